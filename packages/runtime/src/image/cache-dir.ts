import os from 'node:os';
import path from 'node:path';

/** Where images and downloaded packages live: `$LABKIT_CACHE`, else `~/.cache/labkit`. */
export function cacheDir(): string {
  if (process.env.LABKIT_CACHE) return path.resolve(process.env.LABKIT_CACHE);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg ? xdg : path.join(os.homedir(), '.cache'), 'labkit');
}
