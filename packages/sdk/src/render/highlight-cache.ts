import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Element } from 'hast';
import { labkitCacheDir } from '../graph/parse-cache.ts';

/**
 * Highlighted code blocks on disk, by digest, shared by every process that
 * renders (`lab build`, its render workers and child, `lab dev`): the first
 * render after a restart, or a build of pages whose fences were highlighted
 * before, reads the figure instead of running Shiki again.
 *
 * `<cache>/highlight/<2 hex>/<sha256>.json`, one figure (hast) per file.
 * The key covers the code, the language and the meta, and a version made
 * of Shiki's package version, the themes and the text of the renderer
 * module itself (code-block): a new Shiki, new themes or any edit to how a
 * figure is built never reads an old entry. A torn or foreign entry is a
 * miss. Writes go beside the entry and are renamed into place; they are
 * best effort (a failed write costs a highlight next time, never a build).
 */

/** Bump when the stored shape changes for the same figure. */
const FORMAT = 'h1';

const versions = new Map<string, string>();

/** The part of every key that is not the block: format, Shiki's version, the themes and the renderer's source (read once per process). */
export function highlightVersion(themes: Record<string, string>, rendererUrl: string): string {
  const memo = `${JSON.stringify(themes)}\0${rendererUrl}`;
  let version = versions.get(memo);
  if (version === undefined) {
    let renderer = '?';
    try {
      renderer = createHash('sha256').update(readFileSync(fileURLToPath(rendererUrl))).digest('hex');
    } catch {
      // the source is not readable (bundled): the other parts still key it
    }
    version = [FORMAT, `shiki@${shikiVersion()}`, JSON.stringify(themes), renderer].join(' ');
    versions.set(memo, version);
  }
  return version;
}

/** Shiki's version from its package.json, found without loading Shiki (`lab validate` never loads it). */
function shikiVersion(): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve('shiki')));
    for (;;) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'shiki') return pkg.version ?? '?';
      } catch {
        // no package.json here: keep walking up
      }
      const up = dirname(dir);
      if (up === dir) return '?';
      dir = up;
    }
  } catch {
    return '?';
  }
}

/** The entry's digest: version, language, meta and code. */
export function highlightKey(version: string, code: string, lang: string | null | undefined, meta: string | null | undefined): string {
  return createHash('sha256').update(`${version}\0${lang ?? ''}\0${meta ?? ''}\0${code}`).digest('hex');
}

const entryPath = (dir: string, key: string) => join(dir, key.slice(0, 2), `${key}.json`);

/**
 * Where entries go: `<labkit cache>/highlight` (LABKIT_CACHE, XDG_CACHE_HOME
 * or ~/.cache/labkit), or nowhere with `LABKIT_HIGHLIGHT_CACHE=off` (a
 * before/after measurement, a read-only home). Read each time, so tests can
 * point it elsewhere.
 */
export const highlightCacheDir = (): string | undefined => (process.env['LABKIT_HIGHLIGHT_CACHE'] === 'off' ? undefined : join(labkitCacheDir(), 'highlight'));

/** Counters for benches and tests: figures read from disk, and entries written. */
export const highlightCacheStats = { reads: 0, writes: 0 };
const pending = new Set<Promise<void>>();
const madeFolders = new Set<string>();

/** The stored figure, or undefined (no entry, unreadable, torn, or not a figure). */
export async function readHighlight(key: string, dir: string | undefined = highlightCacheDir()): Promise<Element | undefined> {
  if (dir === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(entryPath(dir, key), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const entry = JSON.parse(text) as { key?: string; figure?: Element };
    // The key inside guards against a file copied or renamed into the wrong place.
    if (entry.key !== key || entry.figure?.type !== 'element' || entry.figure.tagName !== 'figure') return undefined;
    highlightCacheStats.reads++;
    return entry.figure;
  } catch {
    return undefined;
  }
}

/** Stores a figure in the background; {@link flushHighlights} waits for every pending write. */
export function writeHighlight(key: string, figure: Element, dir: string | undefined = highlightCacheDir()): void {
  if (dir === undefined) return;
  const file = entryPath(dir, key);
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
  // One mkdir per folder per process (256 folders), not one per entry.
  const folder = dirname(file);
  const made = madeFolders.has(folder) ? Promise.resolve() : mkdir(folder, { recursive: true }).then(() => void madeFolders.add(folder));
  const p = made
    .then(() => writeFile(tmp, JSON.stringify({ key, figure })))
    .then(() => rename(tmp, file))
    .then(() => void highlightCacheStats.writes++)
    // Best effort: a read-only or full cache costs a highlight next time.
    .catch(() => {
      // The folder may have been removed under us: make it again next time.
      madeFolders.delete(folder);
      return rm(tmp, { force: true }).catch(() => {});
    })
    .finally(() => pending.delete(p));
  pending.add(p);
}

/** Waits for the background writes started so far. */
export async function flushHighlights(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}
