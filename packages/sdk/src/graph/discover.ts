import { readdirSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/** Folders never scanned for content (besides every dot folder), by name. */
export const ignoredFolders: ReadonlySet<string> = new Set(['node_modules', 'dist', '.git', '.astro', '.labkit', '.lab-cache']);

/** Whether a folder of this name is never content: a tool folder or a dot folder (dot files can be content). */
export function isIgnoredFolder(name: string): boolean {
  return name.startsWith('.') || ignoredFolders.has(name);
}

/** A symlink the loader refuses to follow. */
export interface RefusedLink {
  /** POSIX path of the link, relative to the root. */
  path: string;
  /** What the link says (`readlink`), for the message. */
  target: string;
  /** `outside`: resolves outside the content root; `broken`: resolves to nothing readable. */
  reason: 'outside' | 'broken';
}

/** A folder under the root that could not be listed (EACCES, EIO): reported, never dropped without a word. */
export interface UnreadableFolder {
  /** POSIX path of the folder, relative to the root ('' for the root). */
  path: string;
  error: unknown;
}

/**
 * Lists every file under `root` as POSIX paths relative to it, sorted.
 * Dot folders are skipped (but dot files such as `.solution-01.sh` are kept).
 *
 * Symlinks are resolved: one whose real path stays inside the real root is
 * listed like the file it points at (a linked folder is walked, except a
 * link back to a folder being walked, so a loop ends); one that leaves the root
 * (`~/.aws/credentials`, `/proc/self/environ`) or leads nowhere is never
 * listed, so nothing downstream (build, bundle, publish) reads it, and
 * goes to `refused` for `lab validate` to report. A folder that cannot be
 * read goes to `unreadable` (the loader reports it as `lab:unreadable`),
 * and the rest of the tree is still listed.
 */
export function discoverFiles(root: string, refused: RefusedLink[] = [], unreadable: UnreadableFolder[] = []): string[] {
  const out: string[] = [];
  let realRoot: string;
  try {
    realRoot = realpathSync.native(root);
  } catch {
    return out;
  }
  // Real paths of the folders being walked: a link back to one is a loop.
  const walking = new Set<string>();
  // Where each link target resolved, by the target as a path from a real
  // folder: 1,000 links to one folder outside the root (a shared
  // __static__) cost one realpath and one stat instead of 1,000 each
  // (realpath(3) checks every segment: ~0.5 ms a link on a loaded machine).
  const resolved = new Map<string, Resolved>();
  const walk = (abs: string, rel: string, real: string): void => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (error) {
      // Gone since its parent was read: nothing to list. Unreadable: kept
      // for the loader to report, so content is never dropped without a word.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') unreadable.push({ path: rel, error });
      return;
    }
    walking.add(real);
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      let isDir = e.isDirectory();
      let childReal = '';
      if (e.isSymbolicLink()) {
        const link = checkLink(realRoot, join(abs, e.name), { real, resolved });
        if (!link.ok) {
          refused.push({ path: childRel, target: link.target, reason: link.reason });
          continue;
        }
        isDir = link.isDir;
        childReal = link.real;
      } else if (!isDir && !e.isFile()) continue;
      if (isDir) {
        if (isIgnoredFolder(e.name)) continue;
        childReal ||= join(real, e.name);
        if (walking.has(childReal)) continue;
        walk(join(abs, e.name), childRel, childReal);
      } else out.push(childRel);
    }
    walking.delete(real);
  };
  walk(root, '', realRoot);
  return out.sort();
}

/**
 * Resolves the symlink at `abs` and says whether it stays inside `realRoot`
 * (a real path). Used by the first scan and by `updateFiles`.
 */
export function checkLink(
  realRoot: string,
  abs: string,
  within?: { real: string; resolved: Map<string, Resolved> },
): { ok: true; real: string; isDir: boolean } | { ok: false; target: string; reason: 'outside' | 'broken' } {
  let target: string | undefined;
  try {
    target = readlinkSync(abs);
  } catch {
    // not a link after all (raced); resolved below like any path
  }
  // A link in the real folder `within.real` leads where its target, read
  // from that folder, leads: a real folder has no link to make `..` differ.
  // Only for a target whose `..` segments all lead it: `x/../b` goes through
  // whatever `x` links to, while its lexical form (`b`) would share the
  // memo entry of a plain `b` link.
  const key = within && target && lexicalIsPhysical(target) ? (isAbsolute(target) ? normalize(target) : join(within.real, target)) : undefined;
  let found = key === undefined ? undefined : within!.resolved.get(key);
  if (!found) {
    try {
      // The native call: one realpath(3) instead of an lstat per path segment
      // (a third of discovering 1,000 linked folders on a loaded machine).
      const real = realpathSync.native(abs);
      found = { real, stat: statSync(real) };
    } catch {
      found = 'broken';
    }
    if (key !== undefined) within!.resolved.set(key, found);
  }
  target ??= '';
  if (found === 'broken') return { ok: false, target, reason: 'broken' };
  const { real, stat } = found;
  const r = relative(realRoot, real);
  if (r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r)) return { ok: false, target, reason: 'outside' };
  const isDir = stat.isDirectory();
  if (!isDir && !stat.isFile()) return { ok: false, target, reason: 'broken' }; // a FIFO or device: reading it could hang
  return { ok: true, real, isDir };
}

/** Where a link target led: its real path and stat, or nowhere readable. */
export type Resolved = { real: string; stat: Stats } | 'broken';

/** `index.md` or a numbered index (`000.index.md`). */
export function isIndexFile(base: string): boolean {
  return base === 'index.md' || /^\d+\.index\.md$/.test(base);
}

/** `unit-10.md`, `unit-010.md`, `010.unit.md`-free form: units are `unit-<n>[-slug].md`. */
export function isUnitFile(base: string): boolean {
  return /^unit-\d+(?:[-.][\w.-]*)?\.md$/.test(base);
}

/** Human or CI solution files. */
export function isSolutionFile(base: string): boolean {
  return /^solution(?:[-_.][\w-]+)?\.md$/.test(base) || base === 'solution.sh' || /^\.solution(?:[-_.][\w-]+)?\.sh$/.test(base);
}

/** `*.lab.ts` content-as-code files. */
export function isLabTsFile(base: string): boolean {
  return base.endsWith('.lab.ts');
}

/** Last path segment. */
export function baseName(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? rel : rel.slice(i + 1);
}

/** Folder part of a relative path ('' at the root). */
export function dirName(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? '' : rel.slice(0, i);
}

/** Numeric order prefix of a folder or file name (`010.intro` → 10). */
export function orderOf(base: string): number {
  const m = /^(\d+)[.-]/.exec(base) ?? /^unit-(\d+)/.exec(base);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
}

/** Slug without the numeric prefix (`010.intro` → `intro`). */
export function slugOf(base: string): string {
  return base.replace(/^\d+\./, '');
}

/** Whether a link target resolves the same read as written or normalized: no `..` after a named segment (an absolute one: none at all). */
function lexicalIsPhysical(target: string): boolean {
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  let named = isAbsolute(target);
  for (const p of parts) {
    if (p === '..') {
      if (named) return false;
    } else named = true;
  }
  return true;
}
