import { readFileSync } from 'node:fs';

/**
 * A text file's contents, or `undefined` when there is no file there
 * (ENOENT, ENOTDIR). Any other failure (permissions, a folder, I/O) is thrown:
 * it is not the same as "missing" and must reach the user.
 */
export function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}
