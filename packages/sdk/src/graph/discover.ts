import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Folders never scanned for content. */
const SKIP_DIRS = new Set(['node_modules', '.git', 'dist', '.astro', '.labkit']);

/**
 * Lists every file under `root` as POSIX paths relative to it, sorted.
 * Dot folders are skipped (but dot files such as `.solution-01.sh` are kept).
 */
export function discoverFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name) || e.name.startsWith('.')) continue;
        walk(join(abs, e.name), childRel);
      } else if (e.isFile() || e.isSymbolicLink()) {
        out.push(childRel);
      }
    }
  };
  walk(root, '');
  return out.sort();
}

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
