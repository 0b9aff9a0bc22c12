import { lstat, mkdir, open, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { lstatSync, lutimesSync, readdirSync, readFileSync, unlinkSync, type Dirent } from 'node:fs';
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
 *
 * The folder is bounded (256 MB, `LABKIT_HIGHLIGHT_CACHE_MAX_MB`): a hit
 * touches the entry's mtime, and the first process to write after a quiet
 * spell prunes the least recently used entries ({@link pruneHighlights}).
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
    // Recency for the pruner: the entry's mtime. atime would cost nothing
    // but is not kept on noatime/relatime mounts; ranking by write time alone
    // would evict the entries every build still reads.
    touchLater(entryPath(dir, key));
    return entry.figure;
  } catch {
    return undefined;
  }
}

const touches: string[] = [];
let touching: Promise<void> | undefined;

/**
 * Sets a hit entry's mtime to now, soon and off the read path: queued, then
 * done synchronously 256 at a time between turns of the loop (an awaited
 * utimes costs ~40 us of CPU per hit in promise and thread-pool traffic, a
 * synchronous one a few us). lutimes: a link is never followed. A pruned
 * entry is simply not touched.
 */
function touchLater(file: string): void {
  touches.push(file);
  if (touching) return;
  touching = drainTouches();
  pending.add(touching);
}

async function drainTouches(): Promise<void> {
  do {
    await new Promise<void>((done) => setImmediate(done));
    const now = new Date();
    for (const f of touches.splice(0, 256)) {
      try {
        lutimesSync(f, now, now);
      } catch {
        // gone (pruned) or not ours to touch: the next prune decides
      }
    }
  } while (touches.length);
  // Same turn as the last check: a hit queued after this starts a new drain.
  pending.delete(touching!);
  touching = undefined;
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
  schedulePrune(dir);
}

/** Waits for the background writes (and hits' mtime touches) started so far. */
export async function flushHighlights(): Promise<void> {
  while (pending.size) await Promise.all([...pending]);
}

/** The bound in bytes: `LABKIT_HIGHLIGHT_CACHE_MAX_MB` (a number of MB, 0 or more), else 256 MB. */
export function highlightCacheMaxBytes(): number {
  const raw = process.env['LABKIT_HIGHLIGHT_CACHE_MAX_MB'];
  const mb = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
  return (Number.isFinite(mb) && mb >= 0 ? mb : 256) * 1024 * 1024;
}

/** What one prune saw and did. */
export interface PruneResult {
  /** Entries (and stale temporary files) found, and their bytes on disk. */
  entries: number;
  bytes: number;
  /** Files removed, and the bytes they held. */
  removed: number;
  removedBytes: number;
}

const ENTRY = /^[0-9a-f]{64}\.json$/;
const TEMP = /^[0-9a-f]{64}\.json\.\d+-[0-9a-f]{8}$/;
const SHARD = /^[0-9a-f]{2}$/;
/** A temporary file this old is a crashed writer's, not one being written. */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** The stamp of the last prune: other processes skip theirs for this long. */
export const PRUNE_STAMP = '.pruned';
const PRUNE_QUIET_MS = 10 * 60 * 1000;

/**
 * Brings the folder under `maxBytes`: when the files it holds (bytes on
 * disk, as `du` counts them) are over the bound, removes the least recently
 * used (oldest mtime) until they are under 80% of it, so the next writes do
 * not prune again at once. Crashed writers' temporary files older than an
 * hour go first.
 *
 * The folder is a boundary. Only `<2 hex>/<sha256>.json` names (and their
 * temporary files) are candidates; links are never followed (readdir and
 * lstat types; a link named like an entry is skipped, the shard a link
 * points into is never entered); a folder that is itself a link is not
 * pruned. Before each removal the shard and the entry are looked at again:
 * a shard swapped since the scan, or an entry read or rewritten since (a
 * newer mtime), is left alone. Removal is an unlink: a reader that already
 * opened the entry reads it whole, a later one gets a miss, never a torn
 * entry. Several processes may prune at once; a file already gone is fine.
 */
export async function pruneHighlights(dir: string, maxBytes: number = highlightCacheMaxBytes()): Promise<PruneResult> {
  const result: PruneResult = { entries: 0, bytes: 0, removed: 0, removedBytes: 0 };
  // Synchronous calls in short slices (one shard, or 64 removals, then yield):
  // an awaited lstat costs ~100 us of CPU in promise and thread-pool traffic,
  // a synchronous one a few us, and a slice blocks the loop well under 1 ms.
  const slice = () => new Promise<void>((done) => setImmediate(done));
  try {
    if (!lstatSync(dir).isDirectory()) return result;
  } catch {
    return result;
  }
  type Found = { shard: string; shardIno: number; file: string; mtimeMs: number; bytes: number; temp: boolean };
  const found: Found[] = [];
  const now = Date.now();
  let shards: Dirent[];
  try {
    shards = readdirSync(dir, { withFileTypes: true });
  } catch {
    return result;
  }
  for (const shard of shards) {
    if (!shard.isDirectory() || !SHARD.test(shard.name)) continue;
    await slice();
    const shardPath = join(dir, shard.name);
    let shardIno: number;
    let files: Dirent[];
    try {
      const st = lstatSync(shardPath);
      if (!st.isDirectory()) continue;
      shardIno = st.ino;
      files = readdirSync(shardPath, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const f of files) {
      const temp = TEMP.test(f.name);
      if (!f.isFile() || !(temp || ENTRY.test(f.name))) continue;
      const file = join(shardPath, f.name);
      const st = lstatSync(file, { throwIfNoEntry: false });
      // gone since the readdir (another pruner, a writer's rename), or no longer a file
      if (!st?.isFile()) continue;
      const bytes = Math.max(st.size, st.blocks * 512);
      result.entries++;
      result.bytes += bytes;
      // A young temporary file is a write in progress: counted, never removed.
      if (temp && now - st.mtimeMs < STALE_TEMP_MS) continue;
      found.push({ shard: shardPath, shardIno, file, mtimeMs: st.mtimeMs, bytes, temp });
    }
  }
  if (result.bytes <= maxBytes) return result;
  const target = Math.floor(maxBytes * 0.8);
  found.sort((a, b) => Number(b.temp) - Number(a.temp) || a.mtimeMs - b.mtimeMs);
  let bytes = result.bytes;
  for (let i = 0; i < found.length && bytes > target; i++) {
    if (i % 64 === 0) await slice();
    const f = found[i]!;
    try {
      const shard = lstatSync(f.shard);
      if (!shard.isDirectory() || shard.ino !== f.shardIno) continue;
      const st = lstatSync(f.file);
      if (!st.isFile() || st.mtimeMs !== f.mtimeMs) continue;
      unlinkSync(f.file);
      bytes -= f.bytes;
      result.removed++;
      result.removedBytes += f.bytes;
    } catch {
      // already removed by another process, or changed under us: leave it
    }
  }
  return result;
}

const pruneScheduled = new Set<string>();
/** The prune started by this process, for tests and benches (undefined before the first write). */
export let lastPrune: Promise<PruneResult | undefined> | undefined;

/**
 * At most once per process and folder, on the first write (a process that
 * only reads does not grow the folder): a few seconds later, off the render
 * path, prune, unless another process did within ten minutes (`.pruned`,
 * created exclusively, so a build's render workers do not all scan at once).
 * The timer does not keep the process alive.
 */
function schedulePrune(dir: string): void {
  if (pruneScheduled.has(dir)) return;
  pruneScheduled.add(dir);
  const timer = setTimeout(() => {
    lastPrune = pruneOnce(dir).catch(() => undefined);
  }, 3000);
  timer.unref();
}

/** Claims the stamp (exclusive create, so never through a planted link) and prunes; undefined when another process pruned recently. */
export async function pruneOnce(dir: string, maxBytes: number = highlightCacheMaxBytes()): Promise<PruneResult | undefined> {
  const stamp = join(dir, PRUNE_STAMP);
  for (let attempt = 0; ; attempt++) {
    try {
      await (await open(stamp, 'wx')).close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) return undefined;
      try {
        const st = await lstat(stamp);
        if (!st.isFile() || Date.now() - st.mtimeMs < PRUNE_QUIET_MS) return undefined;
        await unlink(stamp);
      } catch {
        return undefined;
      }
    }
  }
  return pruneHighlights(dir, maxBytes);
}
