import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** Where a path named by a scenario leads. */
export type SourceFile =
  | { ok: true; abs: string }
  | { ok: false; reason: 'missing' | 'outside' };

/**
 * Resolves `name` (as written in index.json or Markdown) against `base` and
 * follows symlinks: the file counts only when its real path is a regular
 * file inside `root` (the scenario folder, or `assets/` for assets). A
 * scenario from a stranger must not turn `../../etc/passwd`, an absolute
 * path or a symlink to `~/.ssh/id_ed25519` into imported content.
 */
export function sourceFile(root: string, base: string, name: string): SourceFile {
  const abs = path.resolve(base, name);
  let real: string;
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
    real = realpathSync(abs);
  } catch {
    return isInside(path.resolve(root), abs) ? { ok: false, reason: 'missing' } : { ok: false, reason: 'outside' };
  }
  if (!isInside(realRoot, real)) return { ok: false, reason: 'outside' };
  if (!(statSync(real, { throwIfNoEntry: false })?.isFile() ?? false)) return { ok: false, reason: 'missing' };
  return { ok: true, abs: real };
}

/** `child` is `parent` or below it (both absolute). */
export function isInside(parent: string, child: string): boolean {
  const r = path.relative(parent, child);
  return r === '' || (r !== '..' && !r.startsWith(`..${path.sep}`) && !path.isAbsolute(r));
}

/**
 * A relative output path that stays inside its folder: POSIX segments, none
 * empty, `.` or `..`, not absolute. Importers and publish targets check
 * every key they write with it.
 */
export function isSafeRelativePath(rel: string): boolean {
  if (rel === '' || rel.startsWith('/') || rel.includes('\\') || rel.includes('\0')) return false;
  return rel.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}
