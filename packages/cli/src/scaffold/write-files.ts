import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliErrors } from '../errors.ts';
import type { PlannedFile } from './template.ts';

/**
 * Writes planned files under `root`, never replacing one: `wx` fails if the
 * file exists, so a race with another writer cannot clobber an author's file.
 */
export function writeFiles(root: string, files: readonly PlannedFile[]): string[] {
  const written: string[] = [];
  for (const file of files) {
    const abs = join(root, file.path);
    try {
      mkdirSync(dirname(abs), { recursive: true });
      writeFileSync(abs, file.content, { flag: 'wx', mode: file.path.endsWith('.sh') ? 0o755 : 0o644 });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw CliErrors.AlreadyExists(abs);
      throw CliErrors.WriteFailed(abs, (error as Error).message);
    }
    written.push(abs);
  }
  return written;
}
