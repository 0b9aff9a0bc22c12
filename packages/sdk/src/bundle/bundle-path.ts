import { BundleErrors } from './errors.ts';

/**
 * Checks a path that will become an object key or a file under the publish
 * root. Rejecting rather than normalizing: a path that needs fixing means
 * something upstream is wrong, and a silently "fixed" path could overwrite
 * another file or escape the target folder.
 */
export function assertBundlePath(path: string, { allowEmpty = false } = {}): void {
  if (path === '') {
    if (allowEmpty) return;
    throw BundleErrors.UnsafePath(path, 'is empty');
  }
  if (path.includes('\\')) throw BundleErrors.UnsafePath(path, 'contains a backslash');
  if (path.startsWith('/')) throw BundleErrors.UnsafePath(path, 'is absolute');
  if (path.includes('\0')) throw BundleErrors.UnsafePath(path, 'contains a NUL byte');
  for (const segment of path.split('/')) {
    if (segment === '') throw BundleErrors.UnsafePath(path, 'has an empty segment ("//" or a trailing "/")');
    if (segment === '.' || segment === '..') throw BundleErrors.UnsafePath(path, `has a "${segment}" segment`);
  }
}

/** Code-unit order: the same on every machine, unlike `localeCompare`. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
