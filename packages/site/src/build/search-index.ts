import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SiteErrors } from '../errors.ts';
import type { Page } from '../shell/page-model.ts';
import { DIGEST, htmlDigest, indexedTexts } from './render-index.ts';

/**
 * One searchable page: its URL, title and plain text, in parts (title,
 * description, each rendered document's text), joined by newlines when
 * indexed. A part may be a render index token (see render-cache.ts) that
 * stands for a document's text by its digest: the shard's key needs only
 * the digests, the text is read when the shard is indexed.
 */
export interface SearchRecord {
  url: string;
  title: string;
  parts: string[];
  /**
   * The folder of the page's source file (absolute): a rebuild finds the
   * pages an edited file may change by it, to start indexing their search
   * shard early (see search-feed.ts).
   */
  dir?: string;
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A character reference as the renderer writes it (hast-util-to-html: `&#x3C;`, `&#x26;`), or a named one. */
function decodeReference(whole: string, hex?: string, dec?: string, name?: string): string {
  const code = hex ? parseInt(hex, 16) : dec ? Number(dec) : undefined;
  if (code !== undefined) return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  return NAMED[name!.toLowerCase()] ?? whole;
}

export { SEARCH_TEXT_VERSION } from './render-index.ts';

/**
 * Plain text of rendered content HTML (tags dropped, entities decoded).
 * A string pass on purpose: by search time the pages hold HTML strings (the
 * render cache keeps no hast), and re-parsing every page into hast for
 * hast-util-to-text would slow `lab build`; the renderer's numeric
 * references (`&#x3C;`) are decoded here. Taking the text from the hast at render time is the later fix.
 */
export function textOf(html: string): string {
  return html
    .replace(/<(?:script|style)[\s\S]*?<\/(?:script|style)>/gi, ' ')
    // The renderer's controls (a code block's Copy and Run, a quiz's Check, a
    // form's Submit) are not content: every page with code would match "copy".
    .replace(/<button\b[^>]*\bclass="[^"]*\blk-(?:copy|run|btn)\b[^"]*"[^>]*>[\s\S]*?<\/button>/gi, ' ')
    // A code block's text is its own: the highlighter's spans split tokens
    // (`fmt.</span><span>Println`), so inside <pre> every tag goes without a
    // trace and the block's newlines stay.
    .replace(/<pre\b[^>]*>([\s\S]*?)<\/pre>/gi, (_, code: string) => `\n${code.replace(/<[^>]*>/g, '')}\n`)
    .replace(/<(?:br|\/p|\/li|\/h\d|\/div|\/tr)\b[^>]*>/gi, '\n')
    // Inline tags become nothing, others a space ("challenge</span><strong>Title" must not glue).
    .replace(/<\/?(?:a|em|strong|code|b|i|mark|small|kbd|sub|sup|del|s)\b[^>]*>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(?:#x([0-9a-f]+)|#(\d+)|(lt|gt|amp|quot|apos));/gi, decodeReference)
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

/**
 * What the search indexes: the content pages (items, path, course, lessons),
 * from their models. Indexing these texts directly, instead of having
 * Pagefind re-read and parse every built HTML file, is several times faster
 * on big sites and keeps headers and navigation out of the results.
 */
export function searchRecords(pages: Page[], base: string, memo?: Map<string, string>, options: { consume?: boolean; resolve?: (html: string) => string } = {}): SearchRecord[] {
  // A long-lived build (`lab build --watch`) passes a memo: the HTML of an
  // unchanged document is the same string as last time (from the render
  // cache in memory), so its text is not extracted again. A fresh rebuild's
  // memo holds the text of each render index token; `resolve` gives the HTML
  // of a string that joins tokens (a lesson merged with its unit).
  const resolve = options.resolve ?? ((html: string) => html);
  const text = memo
    ? (html: string) => {
        let t = memo.get(html);
        if (t === undefined) memo.set(html, (t = textOf(resolve(html))));
        return t;
      }
    : (html: string) => textOf(resolve(html));
  const seen = memo ? new Set<string>() : undefined;
  const out: SearchRecord[] = [];
  for (const p of pages) {
    const m = p.model;
    let parts: string[];
    switch (m.type) {
      case 'item':
        parts = [m.item.title, m.item.description ?? '', m.html, ...m.extras.map((x) => x.html)];
        break;
      case 'path':
        parts = [m.item.title, m.item.description ?? '', m.html, ...m.units.flatMap((u) => [u.title, u.html])];
        break;
      case 'course':
        parts = [m.item.title, m.item.description ?? '', m.html];
        break;
      case 'lesson':
        parts = [m.title, m.html];
        break;
      default:
        continue;
    }
    for (const part of parts) seen?.add(part);
    out.push({ url: base + p.route, title: p.title, parts: parts.map(text), ...(p.sourceFile ? { dir: path.dirname(p.sourceFile) } : {}) });
  }
  // Only this build's texts stay in the memo; `consume` (a streamed build,
  // one page at a time) drops the texts just used instead.
  if (memo && seen) {
    if (options.consume) for (const k of seen) memo.delete(k);
    else for (const k of memo.keys()) if (!seen.has(k)) memo.delete(k);
  }
  return out;
}

/** Pages per search shard unless `build({ searchShardSize })` says otherwise. */
export const DEFAULT_SHARD_SIZE = 200;
/**
 * Text per search shard, at most: a rebuild indexes a changed page's whole
 * shard, and Pagefind takes ~0.3 s per MB of text to add and write it
 * (measured: 1.1 MB 0.31 s, 2.3 MB 0.6 s, 6.8 MB 2.5 s). 200 real tutorials
 * (the iximiuz sample's 45 KB of text each) are 9 MB; 200 short pages are
 * well under this. Each shard is one more index for the search page to
 * merge, so not smaller.
 */
export const DEFAULT_SHARD_TEXT_BYTES = 2_000_000;
/** Bump when what goes into a shard's files changes for the same records. */
// s2: a shard's key is the digest of its records' digests.
// s3: a record's digest is of its parts' digests (a render index token's is known without its text).
const SEARCH_VERSION = 's3';

export interface SearchSummary {
  /** How many Pagefind indexes the site's search loads (1: all in `pagefind/`). */
  shards: number;
  /** The shards built in this build; the others came from the cache. */
  rebuilt: number[];
  /** Records of the rebuilt shard that were indexed while the content loaded (see search-feed.ts); absent when none were. */
  prefed?: number;
}

// The render index's digest: a token's text digest stands for its part in a
// record's digest, and a shard list's part is found in the render cache by it.
// (A call, not the binding: the two modules import each other.)
const digest = (s: string) => htmlDigest(s);
/** A record's digest, from its parts' digests (a render index token's is known without its text). */
const recordDigestOf = (url: string, title: string, partDigests: string[]) => digest(`${JSON.stringify(url)}\0${JSON.stringify(title)}\0${partDigests.join(',')}`);

/** The shard count: from the page count and the text, kept while it stays within 2x of the ideal so shards stay stable. */
function shardCount(records: number, textBytes: number, size: number, maxBytes: number, previous: number | undefined): number {
  const ideal = Math.max(1, Math.ceil(records / Math.max(1, size)), Math.ceil(textBytes / Math.max(1, maxBytes)));
  if (previous !== undefined && previous >= 1 && ideal <= previous * 2 && ideal >= Math.ceil(previous / 2)) return previous;
  return ideal;
}

/** What {@link buildSearchShards} leaves for {@link linkSearch}: every shard's key, built and in the cache. */
export interface SearchShards {
  root: string;
  keys: string[];
  /** The shards indexed now (the rest were in the cache). */
  dirty: number[];
  /** Text per page, on average, when known (kept for the next build's shard count). */
  recordBytes?: number;
  /** Records the rebuilt shard took from a prefeed (search-feed.ts). */
  prefed?: number;
}

/** `<cacheDir>/search/state.json`. */
interface SearchState {
  shards?: number;
  recordBytes?: number;
  /** The shards' keys, in order (each with its `<key>.records.json`). */
  keys?: string[];
}

/**
 * A shard's records as `<cacheDir>/search/<key>.records.json` keeps them,
 * for the next process's prefeed (search-feed.ts): short parts as text, the
 * others by their digest (the search text of a render cache entry).
 */
interface KeptRecord {
  url: string;
  title: string;
  dir?: string;
  parts: Array<string | { d: string }>;
}
const recordsFile = (key: string) => `${key}.records.json`;
/** Parts up to this length are kept as text in a shard's record list (titles, descriptions); longer ones by digest. */
const KEPT_PART_CHARS = 512;

/**
 * Builds the search into `<siteDir>/pagefind`: the records split into
 * stable shards (by a hash of the page URL), each its own Pagefind index
 * (`pagefind/<n>/`, listed in `pagefind/shards.json`; a one-shard site
 * keeps its index directly in `pagefind/`). Each shard's written files are
 * cached under `<cacheDir>/search/<digest of its records>/` and hard-linked
 * into the output, so a rebuild only indexes the shards whose records
 * changed. The search page loads the first shard and merges the others
 * (Pagefind's `mergeIndex`).
 */
export async function indexSearch(siteDir: string, records: SearchRecord[], options: SearchOptions): Promise<SearchSummary> {
  return linkSearch(siteDir, await buildSearchShards(records, options));
}

export interface SearchOptions {
  cacheDir: string;
  shardSize?: number;
  /** Text per shard, at most (default {@link DEFAULT_SHARD_TEXT_BYTES}). */
  shardBytes?: number;
  force?: boolean;
  memo?: Map<string, string>;
  /** The digest and the text of a part that is a render index token (else undefined). */
  tokens?: { digestOf: (part: string) => string | undefined; text: (part: string) => string };
  /**
   * Dirty shards indexed at once (default: all). A full build indexes
   * while the Astro child runs and passes 1, so Pagefind's memory beside
   * Astro's stays one shard's.
   */
  concurrency?: number;
  /** A shard a rebuild started indexing while its content loaded: used when it is the one dirty shard, page for page (see search-feed.ts). */
  prefeed?: SearchPrefeed;
}

/**
 * The first half of {@link indexSearch}: indexes the shards that are not
 * in the cache yet, into the cache. It reads only the records (Pagefind is
 * fed custom records, never the built HTML), so a full build runs it while
 * Astro writes the pages; {@link linkSearch} then links the shards into the
 * site.
 */
export async function buildSearchShards(records: SearchRecord[], options: SearchOptions): Promise<SearchShards> {
  const root = path.join(options.cacheDir, 'search');
  await mkdir(root, { recursive: true });
  const statePath = path.join(root, 'state.json');
  const state = options.force ? undefined : await readFile(statePath, 'utf8').then((s) => JSON.parse(s) as SearchState, () => undefined);
  // The text's size: exact when every text is at hand (a full build, a
  // long-lived one); a fresh rebuild's unchanged pages are render index
  // tokens, whose text is not read for this, so it counts them at the last
  // exact build's average (or not at all, keeping the count it had).
  let textBytes = 0;
  let tokenRecords = 0;
  for (const r of records) {
    let token = false;
    for (const part of r.parts) {
      if (options.tokens?.digestOf(part) !== undefined) token = true;
      else textBytes += part.length;
    }
    if (token) tokenRecords++;
  }
  const kept = typeof state?.recordBytes === 'number' && Number.isFinite(state.recordBytes) && state.recordBytes >= 0 ? state.recordBytes : undefined;
  const recordBytes = tokenRecords === 0 ? (records.length ? textBytes / records.length : 0) : kept;
  if (tokenRecords) textBytes += tokenRecords * (recordBytes ?? 0);
  const n = shardCount(records.length, textBytes, options.shardSize ?? DEFAULT_SHARD_SIZE, options.shardBytes ?? DEFAULT_SHARD_TEXT_BYTES, state?.shards);
  const shards: SearchRecord[][] = Array.from({ length: n }, () => []);
  for (const r of records) shards[n === 1 ? 0 : parseInt(digest(r.url).slice(0, 8), 16) % n]!.push(r);
  // A long-lived build (`options.memo`, by text) does not hash an unchanged page's text again.
  const memo = options.memo;
  const used = new Set<string>();
  const tokens = options.tokens;
  const textDigest = (text: string) => {
    const known = tokens?.digestOf(text);
    if (known !== undefined) return known;
    used.add(text);
    let d = memo?.get(text);
    if (d === undefined) {
      d = digest(text);
      memo?.set(text, d);
    }
    return d;
  };
  // Each shard's records in URL order, with their parts' digests and their own.
  const partDigests = shards.map((s) => s.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)).map((r) => r.parts.map(textDigest)));
  const recordDigests = shards.map((s, i) => s.map((r, j) => recordDigestOf(r.url, r.title, partDigests[i]![j]!)));
  const keys = recordDigests.map((ds) => digest(SEARCH_VERSION + '\0' + ds.join('\n')));
  if (memo) for (const t of memo.keys()) if (!used.has(t)) memo.delete(t);
  const dirty = keys.map((k, i) => (options.force || !existsSync(path.join(root, k, 'pagefind.js')) ? i : -1)).filter((i) => i >= 0);
  // A shard whose records show up twice (rare) is built once.
  const toBuild = [...new Map(dirty.map((i) => [keys[i]!, i])).values()];
  // What a rebuild fed early is used when it is the one shard to build,
  // page for page (the same URLs in the same order); the records that
  // differ from what was fed are added again, which replaces each in its
  // place. Anything else (another shard, a page added or gone, the shard
  // count moved) and it is dropped.
  const early = await options.prefeed?.take();
  const fits = early !== undefined && toBuild.length === 1 && sameUrls(early.fed, shards[toBuild[0]!]!);
  let prefed: number | undefined;
  try {
    if (early && !fits) await early.discard();
    if (toBuild.length) {
      const pagefind = await openPagefind();
      try {
        // One Pagefind service, the dirty shards' indexes fed side by side
        // (at most `concurrency` at a time).
        const queue = [...toBuild];
        const lanes = Math.max(1, Math.min(options.concurrency ?? queue.length, queue.length));
        // The record list the next process's prefeed reads: short parts as text, the others (render index tokens among them) by digest.
        const kept = (i: number): KeptRecord[] =>
          shards[i]!.map((r, j) => ({
            url: r.url,
            title: r.title,
            ...(r.dir !== undefined ? { dir: r.dir } : {}),
            parts: r.parts.map((part, k) => (part.length > KEPT_PART_CHARS || tokens?.digestOf(part) !== undefined ? { d: partDigests[i]![j]![k]! } : part)),
          }));
        // Every lane has stopped before the service closes; the first failure empties the queue.
        const settled = await Promise.allSettled(
          Array.from({ length: lanes }, async () => {
            try {
              for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
                const used = await buildShard(pagefind, shards[i]!, root, keys[i]!, tokens?.text, kept(i), fits ? { ...early, digests: recordDigests[i]! } : undefined);
                if (fits) prefed = used;
              }
            } catch (error) {
              queue.length = 0;
              throw error;
            }
          }),
        );
        for (const s of settled) if (s.status === 'rejected') throw s.reason;
      } finally {
        await closePagefind(pagefind);
      }
    }
  } finally {
    if (fits) await early.release();
  }
  return { root, keys, dirty, ...(recordBytes !== undefined ? { recordBytes } : {}), ...(prefed !== undefined ? { prefed } : {}) };
}

/** Whether the fed records are the shard's pages, in its order. */
function sameUrls(fed: Map<string, string | undefined>, shard: SearchRecord[]): boolean {
  if (fed.size !== shard.length) return false;
  let j = 0;
  for (const url of fed.keys()) if (shard[j++]!.url !== url) return false;
  return true;
}

/**
 * Pagefind runs one service per process, and `close()` fails every request
 * still pending in it. Two builds in one process (a watcher's rebuild
 * beside another build, a full build indexing through the whole Astro run)
 * share the service: the last one to finish closes it.
 */
let pagefindUsers = 0;
async function openPagefind(): Promise<typeof import('pagefind')> {
  pagefindUsers++;
  try {
    return await import('pagefind');
  } catch (error) {
    pagefindUsers--;
    throw error;
  }
}
async function closePagefind(pagefind: typeof import('pagefind')): Promise<void> {
  if (--pagefindUsers === 0) await pagefind.close();
}

/**
 * Starts Pagefind's service now, while the caller does other work (a
 * rebuild's load and render), so the search phase does not wait for the
 * binary to start (~0.13 s here); returns the release, to call once the
 * caller's search is done (the service then closes when nobody else uses it).
 */
export function warmSearch(): () => Promise<void> {
  const ready = (async () => {
    const pagefind = await openPagefind();
    try {
      const { index } = await pagefind.createIndex({});
      await index?.deleteIndex();
    } catch {
      // The build's own createIndex reports what is wrong.
    }
    return pagefind;
  })();
  ready.catch(() => {});
  return async () => {
    const pagefind = await ready.catch(() => undefined);
    if (pagefind) await closePagefind(pagefind);
  };
}

/** Records a prefeed (search-feed.ts) added to an index of its own, and that index. */
export interface Prefed {
  index: PagefindIndex;
  /** Each record fed, in the order fed: URL to record digest (undefined: a stand-in, always added again). */
  fed: Map<string, string | undefined>;
  /** Deletes the index and gives back the service (not used). */
  discard(): Promise<void>;
  /** Gives back the service (the shard's build has written and deleted the index). */
  release(): Promise<void>;
}

/** A rebuild's early feed of its search shard (see search-feed.ts). */
export interface SearchPrefeed {
  /** What was fed, once (the build waits for the feed to finish); undefined when nothing was. The taker discards or releases it. */
  take(): Promise<Prefed | undefined>;
  /** Discards what was fed unless it was taken (a build that failed or had no search to index). */
  close(): Promise<void>;
}

/** Changed files beyond which a rebuild feeds nothing early. */
const MAX_FED_CHANGES = 64;
/** Files whose change can change a page's search text (an edited image cannot). */
const TEXT_FILE = /\.(md|markdown|ya?ml|json|[cm]?[jt]s)$/i;

/**
 * What a prefeed (search-feed.ts) reads before it knows the changed files:
 * the last build's shard keys and record lists, the render cache's texts,
 * and a fresh index of a Pagefind service of its own.
 */
export interface FeedPrep {
  /** When the last build's search state was written (ms). */
  stateMs: number;
  lists: Array<KeptRecord[] | undefined>;
  texts: ((digest: string) => Promise<string | undefined>) | undefined;
  pagefind: typeof import('pagefind');
  index: PagefindIndex;
}

/** Reads and opens what {@link feedShard} needs from the last build, while the rebuild walks its content; undefined without a usable last search. */
export async function prepareFeed(cacheDir: string): Promise<FeedPrep | undefined> {
  const root = path.join(cacheDir, 'search');
  const statePath = path.join(root, 'state.json');
  const [state, stateStat] = await Promise.all([readFile(statePath, 'utf8').then((t) => JSON.parse(t) as SearchState, () => undefined), stat(statePath).catch(() => undefined)]);
  const keys = Array.isArray(state?.keys) ? state.keys.filter((k) => typeof k === 'string' && DIGEST.test(k)) : [];
  if (!keys.length || !stateStat) return undefined;
  const [lists, texts, pagefind] = await Promise.all([
    Promise.all(keys.map((k) => readFile(path.join(root, recordsFile(k)), 'utf8').then(keptRecords, () => undefined))),
    indexedTexts(path.join(cacheDir, 'render')),
    openPagefind().catch(() => undefined),
  ]);
  if (!pagefind) return undefined;
  const index = (await pagefind.createIndex({}).catch(() => undefined))?.index;
  if (!index) {
    await closePagefind(pagefind);
    return undefined;
  }
  return { stateMs: stateStat.mtimeMs, lists, texts, pagefind, index };
}

/** Gives back what {@link prepareFeed} opened, unused. */
export async function dropFeedPrep(prep: FeedPrep): Promise<void> {
  await prep.index.deleteIndex().catch(() => {});
  await closePagefind(prep.pagefind);
}

/**
 * Feeds the index of `prep` the shard of the last build that holds the
 * pages of `changedFiles` (absolute paths), page for page; undefined (and
 * `prep` given back) when there is no one such shard. Runs on the
 * prefeed's worker thread (search-feed.ts).
 */
export async function feedShard(changedFiles: readonly string[], prep: FeedPrep | undefined): Promise<Prefed | undefined> {
  if (!prep) return undefined;
  const texty = changedFiles.filter((f) => TEXT_FILE.test(f));
  // Many changed files: no one shard to guess (and the rebuild is not a one-page edit).
  if (!texty.length || texty.length > MAX_FED_CHANGES) return void (await dropFeedPrep(prep));
  // The graph snapshot lags a few edits behind on purpose (see the SDK's
  // graph/store.ts), so files edited before the last build count as changed
  // too; the pages they touched are indexed as they are now. The edit this
  // rebuild is for is the files written since that build's search was
  // (else the newest file).
  const times = await Promise.all(texty.map((f) => stat(f).then((st) => st.mtimeMs, () => Infinity)));
  let files = texty.filter((_, i) => times[i]! > prep.stateMs);
  if (!files.length) files = [texty[times.indexOf(Math.max(...times))]!];
  const { lists, texts, pagefind } = prep;
  // The shards holding a page whose source folder an edited file is in.
  const touches = (r: KeptRecord) => r.dir !== undefined && files.some((f) => f.startsWith(r.dir + path.sep));
  const touched = lists.flatMap((list, i) => (list?.some(touches) ? [i] : []));
  if (touched.length !== 1) return void (await dropFeedPrep(prep));
  const list = lists[touched[0]!]!;
  const index = prep.index;
  try {
    const fed = new Map<string, string | undefined>();
    const added: Array<ReturnType<typeof addRecord>> = [];
    for (const r of list) {
      if (fed.has(r.url)) throw new Error('a page twice');
      if (touches(r)) {
        // A stand-in that holds the page's place: it is added again whatever it turns out to be.
        fed.set(r.url, undefined);
        added.push(addRecord(index, r.url, r.title, r.title));
        continue;
      }
      const parts: string[] = [];
      const digests: string[] = [];
      for (const p of r.parts) {
        // A part by digest is the render cache's text of that digest (checked there).
        const text = typeof p === 'string' ? p : await texts?.(p.d);
        if (text === undefined) break;
        parts.push(text);
        digests.push(typeof p === 'string' ? digest(p) : p.d);
      }
      if (parts.length < r.parts.length) {
        // A text that is not in the render cache (a long description, an
        // entry pruned since): a stand-in, added again at search time.
        fed.set(r.url, undefined);
        added.push(addRecord(index, r.url, r.title, r.title));
        continue;
      }
      fed.set(r.url, recordDigestOf(r.url, r.title, digests));
      added.push(addRecord(index, r.url, r.title, parts.join('\n')));
    }
    for (const a of await Promise.all(added)) if (a.errors.length) throw new Error(a.errors.join('; '));
    const done = index;
    return {
      index: done,
      fed,
      discard: async () => {
        await done.deleteIndex().catch(() => {});
        await closePagefind(pagefind);
      },
      release: () => closePagefind(pagefind),
    };
  } catch {
    await dropFeedPrep(prep);
    return undefined;
  }
}

/** A shard's record list as read back: undefined unless every record has the expected shape. */
function keptRecords(text: string): KeptRecord[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const records = (json as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return undefined;
  const part = (p: unknown) => typeof p === 'string' || (p !== null && typeof p === 'object' && DIGEST.test(String((p as { d?: unknown }).d)));
  const ok = records.every(
    (r: unknown) =>
      r !== null &&
      typeof r === 'object' &&
      typeof (r as KeptRecord).url === 'string' &&
      typeof (r as KeptRecord).title === 'string' &&
      ((r as KeptRecord).dir === undefined || (typeof (r as KeptRecord).dir === 'string' && path.isAbsolute((r as KeptRecord).dir!))) &&
      Array.isArray((r as KeptRecord).parts) &&
      (r as KeptRecord).parts.every(part),
  );
  return ok ? (records as KeptRecord[]) : undefined;
}

/** The second half of {@link indexSearch}: links the built shards into `<siteDir>/pagefind` and drops other shards from the cache. */
export async function linkSearch(siteDir: string, built: SearchShards): Promise<SearchSummary> {
  const { root, keys, dirty, recordBytes, prefed } = built;
  const n = keys.length;
  const statePath = path.join(root, 'state.json');
  const out = path.join(siteDir, 'pagefind');
  const dirs = n === 1 ? [''] : keys.map((_, i) => `${i}/`);
  // `siteDir` may be the live output (an incremental build): every change
  // is made beside it and renamed into place, so a reader never finds a
  // shard half-linked. A shard folder that still is the cached shard (same
  // inode) stays as is.
  const tag = `.lk-${process.pid}-${randomBytes(4).toString('hex')}`;
  const listed = await readFile(path.join(out, 'shards.json'), 'utf8').then((t) => (JSON.parse(t) as { shards?: string[] }).shards, () => undefined);
  const current = await Promise.all(dirs.map(async (d, i) => {
    const cached = await inode(path.join(root, keys[i]!, 'pagefind-entry.json'));
    return cached !== -1 && (await inode(path.join(out, d, 'pagefind-entry.json'))) === cached;
  }));
  if (JSON.stringify(listed) !== JSON.stringify(dirs) || (n === 1 && !current[0])) {
    // A new set of shards (or the one-shard index, which is `pagefind/` itself): a whole new folder.
    const fresh = out + tag;
    await Promise.all(dirs.map((d, i) => linkTree(path.join(root, keys[i]!), path.join(fresh, d))));
    await writeFile(path.join(fresh, 'shards.json'), JSON.stringify({ shards: dirs }));
    await swapDir(fresh, out);
  } else {
    await Promise.all(dirs.map(async (d, i) => {
      if (current[i]) return;
      const to = path.join(out, d);
      const fresh = to.replace(/\/$/, '') + tag;
      await linkTree(path.join(root, keys[i]!), fresh);
      await swapDir(fresh, to.replace(/\/$/, ''));
    }));
  }
  // Keep only this build's shards in the cache.
  const keep = new Set([...keys, ...keys.map(recordsFile), 'state.json']);
  for (const e of await readdir(root)) if (!keep.has(e)) await rm(path.join(root, e), { recursive: true, force: true });
  await writeFile(statePath, JSON.stringify({ shards: n, ...(recordBytes !== undefined ? { recordBytes: Math.round(recordBytes) } : {}), keys } satisfies SearchState));
  return { shards: n, rebuilt: dirty, ...(prefed !== undefined ? { prefed } : {}) };
}

export type PagefindIndex = NonNullable<Awaited<ReturnType<(typeof import('pagefind'))['createIndex']>>['index']>;

/** One page into a Pagefind index (the same call for a shard and its prefeed). */
export const addRecord = (index: PagefindIndex, url: string, title: string, content: string) => index.addCustomRecord({ url, content, language: 'en', meta: { title } });

/**
 * Indexes one shard into `<root>/<key>/` (and its record list beside it).
 * With `early` (a prefeed of this shard, page for page), only the records
 * whose digest differs from what was fed are added: Pagefind replaces a
 * page added again under the same URL in its place, so the files are the
 * ones a fresh index of the shard writes. Returns how many records were
 * taken as fed.
 */
async function buildShard(pagefind: typeof import('pagefind'), records: SearchRecord[], root: string, key: string, text: (part: string) => string = (part) => part, kept?: KeptRecord[], early?: Prefed & { digests: string[] }): Promise<number> {
  let index = early?.index;
  if (!index) {
    const created = await pagefind.createIndex({});
    if (!created.index) throw SiteErrors.SearchIndexFailed(created.errors.join('; '));
    index = created.index;
  }
  const shardIndex = index;
  // A prefed index holds the unchanged records already: the rest go in now.
  const todo = early ? records.filter((r, j) => early.fed.get(r.url) !== early.digests[j]) : records;
  // Pagefind's service handles requests concurrently: send them in batches.
  for (let i = 0; i < todo.length; i += 200) {
    // Texts first: one that cannot be read fails the shard before any request is sent.
    const part = todo.slice(i, i + 200).map((r) => ({ r, content: r.parts.map(text).join('\n') }));
    const batch = await Promise.all(part.map(({ r, content }) => addRecord(shardIndex, r.url, r.title, content)));
    const failed = batch.flatMap((b) => b.errors);
    if (failed.length) throw SiteErrors.SearchIndexFailed(failed.join('; '));
  }
  const tmp = path.join(root, `${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const written = await shardIndex.writeFiles({ outputPath: tmp });
  // The service keeps an index until told: a full build's shards run one
  // after another beside Astro, and each one's memory is given back.
  await shardIndex.deleteIndex();
  if (written.errors.length) {
    await rm(tmp, { recursive: true, force: true });
    throw SiteErrors.SearchIndexFailed(written.errors.join('; '));
  }
  await rm(path.join(root, key), { recursive: true, force: true });
  await rename(tmp, path.join(root, key));
  if (kept) {
    // Best effort: without it the next rebuild indexes this shard after rendering, as before.
    const list = path.join(root, `${recordsFile(key)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(list, JSON.stringify({ records: kept }))
      .then(() => rename(list, path.join(root, recordsFile(key))))
      .catch(() => rm(list, { force: true }));
  }
  return records.length - todo.length;
}

/**
 * Hard-links a cached shard into the output (a real copy where links are
 * not possible). Nothing rewrites output files in place (the incremental
 * build unlinks before writing), so the cache cannot change underneath.
 */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  const rel = (e: (typeof entries)[number]) => path.relative(from, path.join(e.parentPath, e.name));
  for (const e of entries) if (e.isDirectory()) await mkdir(path.join(to, rel(e)), { recursive: true });
  await Promise.all(
    entries.filter((e) => e.isFile()).map((e) => {
      const src = path.join(from, rel(e));
      const dest = path.join(to, rel(e));
      return link(src, dest).catch(() => copyFile(src, dest));
    }),
  );
}

/** Moves `fresh` to `to` with renames; the old `to` is deleted afterwards. */
async function swapDir(fresh: string, to: string): Promise<void> {
  const old = `${fresh}.old`;
  const had = existsSync(to);
  if (had) await rename(to, old);
  await rename(fresh, to);
  if (had) await rm(old, { recursive: true, force: true });
}

const inode = (file: string) => stat(file).then((s) => s.ino, () => -1);
