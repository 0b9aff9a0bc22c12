import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Maps a URL path to a file of the content folder, or `undefined`.
 *
 * Only files inside a `__static__` folder are served (sources are not), and
 * nothing outside the content folder: the path is decoded once, normalised,
 * checked to stay inside the root, then checked again after resolving
 * symlinks, so neither `..`, `%2e%2e`, encoded separators nor a symlink
 * pointing elsewhere gets out.
 */
export async function resolveStaticPath(root: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  if (!segments.includes('__static__')) return undefined;
  const candidate = path.resolve(root, ...segments);
  if (!isInside(root, candidate)) return undefined;
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(candidate)]);
    if (!isInside(realRoot, realFile)) return undefined;
    const info = await stat(realFile);
    return info.isFile() ? realFile : undefined;
  } catch {
    return undefined;
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export { contentTypeFor } from '@labkit/sdk';
