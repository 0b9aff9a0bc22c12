import { mkdir, writeFile, readdir, unlink } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { renderDocument, type RenderOptions, type RenderedDocument } from '@labkit/sdk';
import type { Root } from 'mdast';
import { SiteErrors } from '../errors.ts';
import { SEARCH_TEXT_VERSION, textOf } from './search-index.ts';

/** Bump when the renderer's output changes for the same input. */
// r2: task titles instead of ids, quizzes, click-to-run, high-contrast code themes.
// r3: GFM, __static__ links and relative page links rewritten (the renderer's output changed for unchanged files).
// r4: reference-style links and images (`[text][ref]` + `[ref]: url`) resolved like inline ones.
const RENDER_VERSION = 'r4';

export type Dep = [kind: 'asset' | 'card' | 'link', input: string, output: string];

interface Entry {
  deps: Dep[];
  result: RenderedDocument;
  /** `textOf(result.html)`, as of {@link SEARCH_TEXT_VERSION} (entries written with `texts`). */
  text?: [version: string, text: string];
}

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
  constructor(dir?: string, options: { read?: boolean; memory?: boolean; texts?: Map<string, string> } = {}) {
    this.#dir = dir;
    this.#read = options.read ?? true;
    this.#keep = options.memory ?? true;
    this.#texts = options.texts;
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
    const entry = this.#read ? (this.#memory.get(id) ?? this.#readDisk(id)) : undefined;
    if (entry && this.#stillValid(entry, options)) {
      this.hits++;
      if (this.#texts) this.#texts.set(entry.result.html, entry.text?.[0] === SEARCH_TEXT_VERSION ? entry.text[1] : textOf(entry.result.html));
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
    }
    if (this.#keep || !this.#dir) this.#memory.set(id, entry);
    if (this.#dir) {
      await mkdir(this.#dir, { recursive: true });
      await writeFile(path.join(this.#dir, `${id}.json`), JSON.stringify(entry));
    }
  }

  #stillValid(entry: Entry, options: RenderOptions): boolean {
    for (const [kind, input, output] of entry.deps) {
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

  /** Drops disk entries no page used in this build, so the cache does not grow forever. */
  async prune(): Promise<void> {
    if (!this.#dir) return;
    // Best effort: a stale entry that cannot be removed costs disk, not correctness.
    const files = await readdir(this.#dir).catch(() => [] as string[]);
    await Promise.all(files.filter((f) => f.endsWith('.json') && !this.#used.has(f.slice(0, -5))).map((f) => unlink(path.join(this.#dir!, f)).catch(() => {})));
  }
}
