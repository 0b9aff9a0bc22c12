import { mkdir, readFile, writeFile, readdir, unlink, rename } from 'node:fs/promises';
import { createWriteStream, mkdirSync, readFileSync, unlinkSync, type WriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { renderDocument, type RenderOptions, type RenderedDocument } from '@labkit/sdk';
import type { Root } from 'mdast';
import { SiteErrors } from '../errors.ts';
import { DIGEST, ID, INDEX_FILE, INDEX_HEADER, RENDER_VERSION, SEARCH_TEXT_VERSION, entryText, htmlDigest, type Dep, type Entry } from './render-index.ts';
import { textOf } from './search-index.ts';

export { DIGEST, htmlDigest, indexedTexts, type Dep } from './render-index.ts';

/**
 * One line of the render index: an entry without its HTML or text. `meta`
 * is the rendered document but `html`; `html` is that HTML's
 * {@link htmlDigest}; `text` the digest of its search text (as of the
 * header's {@link SEARCH_TEXT_VERSION}), by the same function.
 */
type IndexLine = [id: string, deps: Dep[], meta: Omit<RenderedDocument, 'html'>, html: string, text: string];

/**
 * Rendered HTML keyed by the source's content digest, plus what the render
 * looked up (asset URLs, card targets) and what it got back. A hit is only
 * used if every lookup still answers the same, so changing one item's
 * title re-renders exactly the pages whose cards show it, nothing else.
 * Kept in memory and, with a folder, on disk across `lab build` runs.
 */
export class RenderCache {
  readonly #dir: string | undefined;
  readonly #read: boolean;
  readonly #keep: boolean;
  readonly #memory = new Map<string, Entry>();
  readonly #used = new Set<string>();
  readonly #texts: Map<string, string> | undefined;
  /** Token mode: the index's lines by entry id, read on first use (undefined: no usable index). */
  #index: Map<string, { line: IndexLine; raw: string }> | undefined | null = null;
  readonly #tokens: boolean;
  /** Whether this cache writes an index of what it used (one-shot caches with a folder). */
  readonly #indexing: boolean;
  /**
   * This build's index, written line by line as documents are used (a
   * temporary file, renamed into place by finish()): a 10,000-page build
   * holds none of it in memory.
   */
  #indexOut: { stream: WriteStream; tmp: string } | undefined;
  /** Whether this instance has removed the index before its first entry write. */
  #indexDropped = false;
  /** Tokens name this process's cache only: content cannot write one. */
  readonly #nonce = randomBytes(6).toString('hex');
  readonly #one = new RegExp(`^\u0000lk-${this.#nonce}:([0-9a-f]{32}):([0-9a-f]{24})\u0000$`);
  readonly #every = new RegExp(`\u0000lk-${this.#nonce}:([0-9a-f]{32}):([0-9a-f]{24})\u0000`, 'g');
  readonly #text = new RegExp(`^\u0000lt-${this.#nonce}:([0-9a-f]{32}):([0-9a-f]{24})\u0000$`);
  hits = 0;
  misses = 0;

  /**
   * `read: false` renders everything afresh but still fills the cache
   * (`--force`); `memory: false` keeps no entries in memory (a one-shot
   * build: the page models hold the HTML, the disk holds the entries).
   * `texts` (`lab build`): each render's search text, by its HTML, goes
   * into this map, from the entry when it has it, else extracted now and
   * stored with the entry, so a later build's search records need no
   * extraction for an unchanged document (~1.3 s of a fresh rebuild at
   * 3,000 pages, load ~8). The caller owns the map and empties it.
   */
  constructor(dir?: string, options: { read?: boolean; memory?: boolean; texts?: Map<string, string>; tokens?: boolean } = {}) {
    this.#dir = dir;
    this.#read = options.read ?? true;
    this.#keep = options.memory ?? true;
    this.#texts = options.texts;
    this.#tokens = options.tokens === true && this.#read && !this.#keep && dir !== undefined && options.texts !== undefined;
    // A one-shot cache with a folder leaves an index of what it used (finish()).
    this.#indexing = !this.#keep && dir !== undefined && options.texts !== undefined;
  }

  /**
   * The cached render of a document, or a fresh one: in this thread, or
   * through `remote` (a render worker using the same table-driven lookups;
   * it returns undefined to have this one rendered here).
   */
  async render(
    key: { file: string; digest: string },
    body: () => Root,
    options: RenderOptions,
    remote?: (mdast: Root) => Promise<{ result: RenderedDocument; deps: Dep[] }> | undefined,
  ): Promise<RenderedDocument> {
    const id = createHash('sha256').update(`${RENDER_VERSION}\0${key.file}\0${key.digest}\0${options.preview ? 1 : 0}\0${options.allowDangerousHtml ? 1 : 0}`).digest('hex').slice(0, 32);
    this.#used.add(id);
    if (this.#tokens) {
      const found = this.#indexLines().get(id);
      if (found && this.#stillValid(found.line[1], options)) {
        const { line, raw } = found;
        this.hits++;
        const token = `\u0000lk-${this.#nonce}:${id}:${line[3]}\u0000`;
        // Its search text stands in by a token too: read only if its shard is indexed.
        this.#texts!.set(token, `\u0000lt-${this.#nonce}:${id}:${line[4]}\u0000`);
        this.#writeLine(raw);
        return { ...line[2], html: token };
      }
    }
    const entry = this.#read ? (this.#memory.get(id) ?? this.#readDisk(id)) : undefined;
    if (entry && this.#stillValid(entry.deps, options)) {
      this.hits++;
      const text = entryText(entry);
      if (this.#texts) this.#texts.set(entry.result.html, text);
      this.#remember(id, entry.deps, entry.result, text);
      return entry.result;
    }
    this.misses++;
    const mdast = body();
    // `remote` may decline (undefined): the document is then rendered here.
    const pending = remote?.(mdast);
    if (pending) {
      const fresh = await pending;
      await this.#store(id, fresh);
      return fresh.result;
    }
    const deps: Dep[] = [];
    const recorded: RenderOptions = {
      ...options,
      resolveAsset: (src) => {
        const out = options.resolveAsset?.(src);
        deps.push(['asset', src, JSON.stringify(out ?? null)]);
        return out;
      },
      resolveCard: (ref) => {
        const out = options.resolveCard?.(ref);
        deps.push(['card', JSON.stringify(ref), JSON.stringify(out ?? null)]);
        return out;
      },
      resolveLink: (href) => {
        const out = options.resolveLink?.(href);
        deps.push(['link', href, JSON.stringify(out ?? null)]);
        return out;
      },
    };
    const result = await renderDocument(mdast, recorded);
    await this.#store(id, { deps, result });
    return result;
  }

  async #store(id: string, entry: Entry): Promise<void> {
    if (this.#texts) {
      const text = textOf(entry.result.html);
      this.#texts.set(entry.result.html, text);
      entry = { ...entry, text: [SEARCH_TEXT_VERSION, text] };
      this.#remember(id, entry.deps, entry.result, text);
    }
    if (this.#keep || !this.#dir) this.#memory.set(id, entry);
    if (this.#dir) {
      // The index describes the entries as they were when it was written:
      // any instance drops it before changing one (a crash then leaves no
      // index, never a stale one); a one-shot build writes a new one at its end.
      if (!this.#indexDropped) {
        this.#indexDropped = true;
        this.#dropIndex();
      }
      await mkdir(this.#dir, { recursive: true });
      await writeFile(path.join(this.#dir, `${id}.json`), JSON.stringify(entry));
    }
  }

  #stillValid(deps: Dep[], options: RenderOptions): boolean {
    for (const [kind, input, output] of deps) {
      const now = kind === 'asset' ? options.resolveAsset?.(input) : kind === 'link' ? options.resolveLink?.(input) : options.resolveCard?.(JSON.parse(input));
      if (JSON.stringify(now ?? null) !== output) return false;
    }
    return true;
  }

  /**
   * Synchronous on purpose: a fresh `lab build` over a previous output reads
   * an entry per document (3,000 at 3,000 pages), and an awaited readFile
   * (open, stat, read, close through the thread pool, each a promise) cost
   * ~3-4x the CPU of readFileSync for these small files: 340-530 ms against
   * 100-130 ms for 3,005 entries (54 MB), read and parsed.
   */
  #readDisk(id: string): Entry | undefined {
    if (!this.#dir) return undefined;
    const file = path.join(this.#dir, `${id}.json`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      // No entry yet is a miss; any other failure (EISDIR, EACCES, EIO) is
      // said, with the file, rather than passed off as one.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw SiteErrors.RenderCacheUnreadable(file, (error as Error).message);
    }
    let entry: Entry;
    try {
      entry = JSON.parse(text) as Entry;
    } catch {
      // A miss, on purpose: an entry torn by a killed build. The page is
      // rendered afresh and the entry rewritten.
      return undefined;
    }
    if (this.#keep) this.#memory.set(id, entry);
    return entry;
  }

  #dropIndex(): void {
    try {
      unlinkSync(path.join(this.#dir!, INDEX_FILE));
    } catch {
      // none (yet, or any more)
    }
  }

  #remember(id: string, deps: Dep[], result: RenderedDocument, text: string): void {
    if (!this.#indexing) return;
    const { html, ...meta } = result;
    this.#writeLine(JSON.stringify([id, deps, meta, htmlDigest(html), htmlDigest(text)] satisfies IndexLine));
  }

  /** Appends one line (JSON, no newline) to this build's index. */
  #writeLine(line: string): void {
    if (!this.#indexing) return;
    if (!this.#indexOut) {
      const tmp = path.join(this.#dir!, `${INDEX_FILE}.${process.pid}-${this.#nonce}.tmp`);
      mkdirSync(this.#dir!, { recursive: true });
      const stream = createWriteStream(tmp);
      stream.on('error', () => {}); // seen by finished() in finish()
      stream.write(INDEX_HEADER + '\n');
      this.#indexOut = { stream, tmp };
    }
    this.#indexOut.stream.write(line + '\n');
  }

  /** The render index (token mode), read once; an unreadable or other-version index is none. */
  #indexLines(): Map<string, { line: IndexLine; raw: string }> {
    if (this.#index === null) {
      this.#index = undefined;
      try {
        const text = readFileSync(path.join(this.#dir!, INDEX_FILE), 'utf8');
        const lines = text.split('\n');
        if (lines[0] === INDEX_HEADER) {
          const m = new Map<string, { line: IndexLine; raw: string }>();
          for (let i = 1; i < lines.length; i++) {
            const raw = lines[i]!;
            if (!raw) continue;
            const line = JSON.parse(raw) as IndexLine;
            // A line a token could not carry (not an entry id, not digests) is no line: that document is read from its entry.
            if (Array.isArray(line) && line.length === 5 && ID.test(String(line[0])) && Array.isArray(line[1]) && line[2] !== null && typeof line[2] === 'object' && DIGEST.test(String(line[3])) && DIGEST.test(String(line[4]))) m.set(line[0], { line, raw });
          }
          this.#index = m;
        }
      } catch {
        // No index, or a torn one: every document is read from its entry.
      }
    }
    return this.#index ?? new Map();
  }

  /**
   * The digest of an HTML string this cache returned: a token's digest
   * without reading its entry. Undefined for HTML that is not one token.
   */
  digestOf(html: string): string | undefined {
    return this.#token(this.#one, html)?.[2];
  }

  /** `s` as a whole token of `pattern` (id and digest), if this cache hands out tokens. */
  #token(pattern: RegExp, s: string): RegExpExecArray | null {
    return this.#tokens && s.charCodeAt(0) === 0 ? pattern.exec(s) : null;
  }

  /**
   * `html` with every token of this cache replaced by its entry's HTML.
   * A token is only handed out for an entry the index describes; an entry
   * that is gone or no longer matches the index's digest is an error, not
   * a page written from the wrong HTML.
   */
  resolve(html: string): string {
    if (!this.#tokens || !html.includes('\u0000')) return html;
    return html.replace(this.#every, (_, id: string, digest: string) => {
      const file = path.join(this.#dir!, `${id}.json`);
      const entry = this.#readDisk(id);
      if (!entry || htmlDigest(entry.result.html) !== digest) throw this.#mismatch(file);
      return entry.result.html;
    });
  }

  /**
   * An entry the index vouched for is gone or changed (by something other
   * than a Labkit build): the index goes, so the next build reads the
   * entries themselves, and this one stops rather than write from either.
   */
  #mismatch(file: string): Error {
    this.#dropIndex();
    return SiteErrors.RenderCacheUnreadable(file, 'the entry no longer matches the render index (changed or removed by something other than a Labkit build); the index is removed, run the build again');
  }

  /** The digest of a search text this cache handed out as a token (see searchRecords); undefined for a text. */
  textDigestOf(text: string): string | undefined {
    return this.#token(this.#text, text)?.[2];
  }

  /** A search text token's text, from its entry (which must still match the index); any other string as it is. */
  text(part: string): string {
    const m = this.#token(this.#text, part);
    if (!m) return part;
    const [, id, digest] = m as unknown as [string, string, string];
    const entry = this.#readDisk(id);
    const text = entry && entryText(entry);
    if (text === undefined || htmlDigest(text) !== digest) throw this.#mismatch(path.join(this.#dir!, `${id}.json`));
    return text;
  }

  /**
   * Ends a build's use of the cache: prunes what it did not use and (a
   * one-shot build) writes the render index of what it did, so the next
   * fresh process can build page digests and search records without
   * reading an entry per document (~0.35 s and as much again of garbage
   * collection at 3,000 pages).
   */
  async finish(): Promise<void> {
    await this.prune();
    const out = this.#indexOut;
    if (!out) return;
    this.#indexOut = undefined;
    out.stream.end();
    await finished(out.stream);
    await rename(out.tmp, path.join(this.#dir!, INDEX_FILE));
  }

  /** Drops disk entries no page used in this build, so the cache does not grow forever. */
  async prune(): Promise<void> {
    if (!this.#dir) return;
    // Best effort: a stale entry that cannot be removed costs disk, not correctness.
    const files = await readdir(this.#dir).catch(() => [] as string[]);
    // Index files a killed build left half-written go too (not the one being written).
    const writing = this.#indexOut ? path.basename(this.#indexOut.tmp) : undefined;
    const stale = (f: string) => (f.endsWith('.json') && !this.#used.has(f.slice(0, -5))) || (f.startsWith(`${INDEX_FILE}.`) && f.endsWith('.tmp') && f !== writing);
    await Promise.all(files.filter(stale).map((f) => unlink(path.join(this.#dir!, f)).catch(() => {})));
  }
}
