import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stampFiles } from '@labkit/sdk';
import { assetDigest } from './from-source.ts';
import { imageSize } from './image-size.ts';
import type { SiteItem } from './site-content.ts';

/** One `__static__` file, published under a content-hashed name. */
export interface SiteAsset {
  /** Absolute source path. */
  source: string;
  /** Path under the output folder: `_assets/cover.3f9a1c2b.png`. */
  outPath: string;
  width?: number;
  height?: number;
}

// Hashing every image on each `lab dev` refresh is wasted work: an asset
// whose stamp is unchanged keeps its digest (and, with a cache file, so it
// does in the next process: a fresh `lab build`).
const seen = new Map<string, { stamp: string; asset: SiteAsset }>();

/** Files read and hashed at once: each is held whole while it is hashed. */
const READ_LANES = 8;
const CACHE_VERSION = 1;

/**
 * Collects every item's `__static__` files. Names carry a digest of the
 * bytes, so a changed image gets a new URL and everything can be cached
 * forever; sizes are read from the headers so pages reserve the space.
 *
 * Nothing outside the content folder is read: a `__static__` folder or file
 * that is a symlink counts only when its real path stays inside `root`
 * (without `root`, inside the item's own folder), as `lab validate` reports
 * (`lab:symlink-outside`). A link to `~/.aws/credentials` is never copied.
 *
 * With `cacheFile` (a fresh `lab build`), each file's digest and size are
 * kept there under its stamp (device, inode, size, mtime and ctime, as the
 * graph snapshot stamps Markdown): a later process reads and hashes only
 * the files whose stamp changed. A file changed in the last two seconds
 * gets no stamp and is hashed again next time. `read: false` (`--force`)
 * hashes every file and writes the cache afresh.
 */
export async function collectAssets(items: SiteItem[], root?: string, cache: { cacheFile?: string; read?: boolean } = {}): Promise<Map<string, SiteAsset>> {
  const out = new Map<string, SiteAsset>();
  const dirs = new Set<string>();
  for (const item of items) {
    dirs.add(item.dir);
    for (const m of item.modules) for (const l of m.lessons) dirs.add(path.dirname(l.file));
  }
  const realRoot = root === undefined ? undefined : await realpath(root).catch(() => undefined);
  if (root !== undefined && realRoot === undefined) return out;
  const sources: string[] = [];
  await Promise.all(
    [...dirs].map(async (dir) => {
      const staticDir = path.join(dir, '__static__');
      const bound = realRoot ?? (await realpath(dir).catch(() => undefined));
      const realStatic = await realpath(staticDir).catch(() => undefined);
      if (!bound || !realStatic || !isInside(bound, realStatic)) return;
      const files = await readdir(staticDir, { recursive: true, withFileTypes: true }).catch(() => []);
      for (const f of files) {
        const source = path.join(f.parentPath, f.name);
        if (f.isSymbolicLink()) {
          const real = await realpath(source).catch(() => undefined);
          if (!real || !isInside(bound, real) || !(await stat(real)).isFile()) continue;
        } else if (!f.isFile()) continue;
        sources.push(source);
      }
    }),
  );
  // In path order, whichever folder was listed first. Absolute paths are
  // stamped as they are (a link's stamp is its target's).
  sources.sort();
  const stamps = stampFiles('', sources);
  const reading = !!cache.cacheFile && cache.read !== false;
  const kept = reading ? await readAssetCache(cache.cacheFile!) : new Map<string, { stamp: string; asset: SiteAsset }>();
  // Not read (`--force`): the cache file is written afresh.
  let changed = !reading;
  const queue = sources.filter((source) => {
    const stamp = stamps.get(source);
    if (stamp === undefined) return false; // gone since it was listed
    const known = seen.get(source) ?? kept.get(source);
    if (!stamp || known?.stamp !== stamp) return true;
    seen.set(source, known);
    out.set(source, known.asset);
    return false;
  });
  await Promise.all(
    Array.from({ length: Math.min(READ_LANES, queue.length) }, async () => {
      for (let source = queue.shift(); source !== undefined; source = queue.shift()) {
        const bytes = await readFile(source).catch(() => undefined);
        if (!bytes) continue;
        const name = path.basename(source);
        const ext = path.extname(name);
        const base = path.basename(name, ext).replace(/[^\w.-]+/g, '-');
        const asset = { source, outPath: `_assets/${base}.${assetDigest(bytes).slice(0, 10)}${ext.toLowerCase()}`, ...imageSize(bytes) };
        const stamp = stamps.get(source)!;
        if (stamp) seen.set(source, { stamp, asset });
        else seen.delete(source);
        out.set(source, asset);
        changed = true;
      }
    }),
  );
  if (cache.cacheFile && (changed || kept.size !== out.size)) await writeAssetCache(cache.cacheFile, out);
  const sorted = new Map<string, SiteAsset>();
  for (const source of sources) if (out.has(source)) sorted.set(source, out.get(source)!);
  return sorted;
}

/** The kept digests, or an empty map when the file is missing, from another version or not what this code writes. */
async function readAssetCache(file: string): Promise<Map<string, { stamp: string; asset: SiteAsset }>> {
  const kept = new Map<string, { stamp: string; asset: SiteAsset }>();
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as { version?: unknown; files?: unknown };
    if (data.version !== CACHE_VERSION || !Array.isArray(data.files)) return kept;
    for (const row of data.files as unknown[]) {
      if (!Array.isArray(row)) continue;
      const [source, stamp, outPath, width, height] = row as unknown[];
      // The output path is joined to the output folder: only a plain name under _assets/ is taken.
      if (typeof source !== 'string' || !path.isAbsolute(source) || typeof stamp !== 'string' || !stamp) continue;
      if (typeof outPath !== 'string' || !/^_assets\/[\w-][\w.-]*$/.test(outPath) || outPath.includes('..')) continue;
      const size = typeof width === 'number' && typeof height === 'number' && width > 0 && height > 0 ? { width, height } : {};
      kept.set(source, { stamp, asset: { source, outPath, ...size } });
    }
  } catch {
    // missing or unreadable: every file is hashed
  }
  return kept;
}

async function writeAssetCache(file: string, assets: Map<string, SiteAsset>): Promise<void> {
  const files: unknown[] = [];
  for (const [source, asset] of assets) {
    const stamp = seen.get(source)?.stamp;
    if (stamp) files.push([source, stamp, asset.outPath, ...(asset.width !== undefined ? [asset.width, asset.height] : [])]);
  }
  // A cache is an optimisation: a build that cannot write it still builds.
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(tmp, JSON.stringify({ version: CACHE_VERSION, files }));
    await rename(tmp, file);
  } catch {
    await rm(tmp, { force: true });
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Resolves `__static__/x.png` written in `docFile` to an asset, or `undefined`. */
export function findAsset(assets: Map<string, SiteAsset>, docFile: string, src: string): SiteAsset | undefined {
  if (/^[a-z]+:/i.test(src) || src.startsWith('/')) return undefined;
  const clean = src.replace(/^\.\//, '');
  return assets.get(path.resolve(path.dirname(docFile), clean));
}
