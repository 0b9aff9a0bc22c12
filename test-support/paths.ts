// The repository's root, for tests and their helpers in every package (one definition).
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '..');
