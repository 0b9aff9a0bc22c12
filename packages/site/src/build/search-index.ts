import { copyFile, link, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { SiteErrors } from '../errors.ts';
import type { Page } from '../shell/page-model.ts';

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
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A character reference as the renderer writes it (hast-util-to-html: `&#x3C;`, `&#x26;`), or a named one. */
function decodeReference(whole: string, hex?: string, dec?: string, name?: string): string {
  const code = hex ? parseInt(hex, 16) : dec ? Number(dec) : undefined;
  if (code !== undefined) return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  return NAMED[name!.toLowerCase()] ?? whole;
}

/** Bump when {@link textOf} gives other text for the same HTML: render cache entries keep the text they were written with. */
// t2: code as written (no space between a code block's highlighting spans),
// and no control labels (Copy, Run, Check, Submit).
export const SEARCH_TEXT_VERSION = 't2';

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
    out.push({ url: base + p.route, title: p.title, parts: parts.map(text) });
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
}

const digest = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 24);

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
}

/** `<cacheDir>/search/state.json`. */
interface SearchState {
  shards?: number;
  recordBytes?: number;
}

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
  const recordDigest = (r: SearchRecord) => digest(`${JSON.stringify(r.url)}\0${JSON.stringify(r.title)}\0${r.parts.map(textDigest).join(',')}`);
  const keys = shards.map((s) => digest(SEARCH_VERSION + '\0' + s.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0)).map(recordDigest).join('\n')));
  if (memo) for (const t of memo.keys()) if (!used.has(t)) memo.delete(t);
  const dirty = keys.map((k, i) => (options.force || !existsSync(path.join(root, k, 'pagefind.js')) ? i : -1)).filter((i) => i >= 0);
  // A shard whose records show up twice (rare) is built once.
  const toBuild = [...new Map(dirty.map((i) => [keys[i]!, i])).values()];
  if (toBuild.length) {
    const pagefind = await openPagefind();
    try {
      // One Pagefind service, the dirty shards' indexes fed side by side
      // (at most `concurrency` at a time).
      const queue = [...toBuild];
      const lanes = Math.max(1, Math.min(options.concurrency ?? queue.length, queue.length));
      // Every lane has stopped before the service closes; the first failure empties the queue.
      const settled = await Promise.allSettled(
        Array.from({ length: lanes }, async () => {
          try {
            for (let i = queue.shift(); i !== undefined; i = queue.shift()) await buildShard(pagefind, shards[i]!, root, keys[i]!, tokens?.text);
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
  return { root, keys, dirty, ...(recordBytes !== undefined ? { recordBytes } : {}) };
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

/** The second half of {@link indexSearch}: links the built shards into `<siteDir>/pagefind` and drops other shards from the cache. */
export async function linkSearch(siteDir: string, built: SearchShards): Promise<SearchSummary> {
  const { root, keys, dirty, recordBytes } = built;
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
  const keep = new Set([...keys, 'state.json']);
  for (const e of await readdir(root)) if (!keep.has(e)) await rm(path.join(root, e), { recursive: true, force: true });
  await writeFile(statePath, JSON.stringify({ shards: n, ...(recordBytes !== undefined ? { recordBytes: Math.round(recordBytes) } : {}) } satisfies SearchState));
  return { shards: n, rebuilt: dirty };
}

async function buildShard(pagefind: typeof import('pagefind'), records: SearchRecord[], root: string, key: string, text: (part: string) => string = (part) => part): Promise<void> {
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw SiteErrors.SearchIndexFailed(errors.join('; '));
  // Pagefind's service handles requests concurrently: send them in batches.
  for (let i = 0; i < records.length; i += 200) {
    // Texts first: one that cannot be read fails the shard before any request is sent.
    const part = records.slice(i, i + 200).map((r) => ({ r, content: r.parts.map(text).join('\n') }));
    const batch = await Promise.all(part.map(({ r, content }) => index.addCustomRecord({ url: r.url, content, language: 'en', meta: { title: r.title } })));
    const failed = batch.flatMap((b) => b.errors);
    if (failed.length) throw SiteErrors.SearchIndexFailed(failed.join('; '));
  }
  const tmp = path.join(root, `${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const written = await index.writeFiles({ outputPath: tmp });
  // The service keeps an index until told: a full build's shards run one
  // after another beside Astro, and each one's memory is given back.
  await index.deleteIndex();
  if (written.errors.length) {
    await rm(tmp, { recursive: true, force: true });
    throw SiteErrors.SearchIndexFailed(written.errors.join('; '));
  }
  await rm(path.join(root, key), { recursive: true, force: true });
  await rename(tmp, path.join(root, key));
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
