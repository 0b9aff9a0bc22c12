import { mkdir, rename, rm, writeFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ImportErrors } from './import-errors.ts';
import { isSafeRelativePath } from './killercoda/source-path.ts';

/** A file to write: relative POSIX path → content. */
export type OutputFiles = Map<string, string | Uint8Array>;

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes every file into a fresh sibling folder, then renames it into place,
 * so a failed import leaves either the old output (with --force) or nothing:
 * never a half-written folder. The sibling lives in the same parent so the
 * rename stays on one file system.
 */
export async function writeFolderAtomically(out: string, files: OutputFiles, force: boolean): Promise<void> {
  // Every key stays inside `out`: no `..`, no absolute path (checked before anything is written).
  for (const rel of files.keys()) if (!isSafeRelativePath(rel)) throw ImportErrors.UnsafeOutputPath(rel);
  const parent = path.dirname(out);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = path.join(parent, `.${path.basename(out)}.import-${tag}`);
  try {
    for (const [rel, content] of files) {
      const target = path.join(tmp, ...rel.split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    if (!(await exists(tmp))) await mkdir(tmp, { recursive: true });
    if (force && (await exists(out))) {
      const old = path.join(parent, `.${path.basename(out)}.replaced-${tag}`);
      await rename(out, old);
      try {
        await rename(tmp, out);
      } catch (error) {
        await rename(old, out);
        throw error;
      }
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, out);
    }
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    throw error;
  }
}
