import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
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
// whose mtime and size are unchanged keeps its digest.
const seen = new Map<string, { stamp: string; asset: SiteAsset }>();

/**
 * Collects every item's `__static__` files. Names carry a digest of the
 * bytes, so a changed image gets a new URL and everything can be cached
 * forever; sizes are read from the headers so pages reserve the space.
 *
 * Nothing outside the content folder is read: a `__static__` folder or file
 * that is a symlink counts only when its real path stays inside `root`
 * (without `root`, inside the item's own folder), as `lab validate` reports
 * (`lab:symlink-outside`). A link to `~/.aws/credentials` is never copied.
 */
export async function collectAssets(items: SiteItem[], root?: string): Promise<Map<string, SiteAsset>> {
  const out = new Map<string, SiteAsset>();
  const dirs = new Set<string>();
  for (const item of items) {
    dirs.add(item.dir);
    for (const m of item.modules) for (const l of m.lessons) dirs.add(path.dirname(l.file));
  }
  const realRoot = root === undefined ? undefined : await realpath(root).catch(() => undefined);
  if (root !== undefined && realRoot === undefined) return out;
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
        const st = await stat(source);
        const stamp = `${st.mtimeMs}:${st.size}`;
        const known = seen.get(source);
        if (known && known.stamp === stamp) {
          out.set(source, known.asset);
          continue;
        }
        const bytes = await readFile(source);
        const ext = path.extname(f.name);
        const base = path.basename(f.name, ext).replace(/[^\w.-]+/g, '-');
        const size = imageSize(bytes);
        const asset = { source, outPath: `_assets/${base}.${assetDigest(bytes).slice(0, 10)}${ext.toLowerCase()}`, ...size };
        seen.set(source, { stamp, asset });
        out.set(source, asset);
      }
    }),
  );
  return out;
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
