import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, utimesSync, writeSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParsedDocument } from '../parse/parse-document.ts';
import { PARSE_REVISION } from '../parse/parse-revision.ts';

/**
 * On-disk parse cache: one pack file per content root holding every
 * Markdown file's parse result (front matter with places, mdast,
 * diagnostics), so a fresh process (`lab build`, `lab dev` startup) parses
 * only the files that changed. One pack per root, JSON lines (one per
 * file, see {@link PACK_FORMAT}): measured on 3,000 pages (46 MB),
 * `JSON.parse` takes 0.27 s where `v8.deserialize` takes 0.63-0.83 s, and
 * one file beats thousands of small ones. Front matter
 * JSON cannot carry (`.inf`, `.nan`) is simply not cached. Entries are keyed by the file's
 * path and the sha256 of its text; the whole pack by the pipeline version
 * (SDK version, the parse revision, remark-parse + remark-gfm + remark-mdc +
 * yaml versions), so an upgrade
 * invalidates it. A missing, corrupt or foreign pack is simply ignored.
 */

/** A parse result without its source (the caller has just read the text). */
type CachedDoc = Omit<ParsedDocument, 'source'>;

interface Entry {
  hash: string;
  doc: CachedDoc;
  /**
   * The text parsed: a fresh process that finds the file edited re-parses
   * only the blocks around the edit, against this text and `doc`'s tree
   * (see {@link readPackEntry}).
   */
  text: string;
}

/** First line of a pack: its format and the pipeline version it was written by. */
interface PackHeader {
  labkitParsePack: typeof PACK_FORMAT;
  version: string;
}

/**
 * Pack format 3: JSON lines. The header, then one `[rel, entry]` line per
 * parsed file, or `[rel, null]` when the file is gone. Later lines win, so a
 * save that changed a few entries appends their lines instead of writing
 * the whole pack again (3,000 pages: 53 MB rewritten, 1.4 s under load, for
 * one edited paragraph). The pack is written whole again when the lines it
 * no longer needs outweigh the ones it does (see {@link ParseCache.save}).
 * Format 1 was one JSON object, format 2 had no `text` in its entries; both
 * read as foreign and are replaced.
 */
const PACK_FORMAT = 3;

/** Room for the header line in the live bytes (so a small pack is not rewritten on every append). */
const HEADER_SLACK = 4096;

/** Whether `v` survives a JSON round trip unchanged (finite numbers, no undefined). */
export function jsonSafe(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(jsonSafe);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v).every(jsonSafe);
  return false;
}

/** The Labkit cache directory: `$LABKIT_CACHE`, else `$XDG_CACHE_HOME/labkit`, else `~/.cache/labkit` (same rule as the runtime). */
export function labkitCacheDir(): string {
  if (process.env['LABKIT_CACHE']) return resolve(process.env['LABKIT_CACHE']);
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? xdg : join(os.homedir(), '.cache'), 'labkit');
}

/** Pack file of a content root: `<cache>/parse/<sha256 of the absolute root>.json`. */
export function parseCachePath(root: string, cacheDir: string = labkitCacheDir()): string {
  const key = createHash('sha256').update(resolve(root)).digest('hex');
  return join(cacheDir, 'parse', `${key}.json`);
}

/** The version in the package.json of `name` found above `entryUrl` (`?` when none). */
export function packageVersion(entryUrl: string, name: string): string {
  let dir = dirname(fileURLToPath(entryUrl));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '?';
    } catch {
      // no package.json here: keep walking up
    }
    const up = dirname(dir);
    if (up === dir) return '?';
    dir = up;
  }
}

let pipeline: string | undefined;
/** SDK version and parse revision, remark-parse, remark-gfm, remark-mdc and yaml versions, read once per process. */
export function pipelineVersion(): string {
  if (pipeline === undefined) {
    const parts = [`@labkit/sdk@${packageVersion(import.meta.url, '@labkit/sdk')}`, `parse@${PARSE_REVISION}`];
    for (const dep of ['remark-parse', 'remark-gfm', 'remark-mdc', 'yaml']) {
      let v = '?';
      try {
        v = packageVersion(import.meta.resolve(dep), dep);
      } catch {
        // unresolvable: '?' still keys the pack
      }
      parts.push(`${dep}@${v}`);
    }
    pipeline = parts.join(' ');
  }
  return pipeline;
}

/** Packs not used for this long are deleted (content roots that are gone, temporary folders). */
export const STALE_PACK_MS = 14 * 24 * 3600 * 1000;

/** Writes all of `text` (a write to a file may take less than it was given). */
function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
}

/** sha256 of a file's text (the entry key). */
export function contentHash(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

/** How {@link ParseCache.save} last left the pack. */
export type PackSave = 'none' | 'appended' | 'rewritten' | 'failed';

/** An open pack: look up entries, record fresh parses, save if anything changed. */
export class ParseCache {
  readonly file: string;
  readonly version: string;
  private entries: Map<string, Entry>;
  /** Length of each live entry's line in the file (or pending), for the rewrite rule. */
  private lineBytes = new Map<string, number>();
  /** Byte offset of each live entry's line in the file as read or last saved (not pending ones). */
  private lineAt = new Map<string, number>();
  /** Entries set or dropped since the pack was read or last saved (`null`: dropped). */
  private pending = new Map<string, Entry | null>();
  /** The file must be written whole (missing, foreign, outdated or damaged). */
  private rewrite = false;
  /** Bytes in the file as read or last written. */
  private fileBytes = 0;
  private dirty = false;
  /** Entries served from the pack during this load. */
  hits = 0;
  /** What the last save did (tests and benches look). */
  lastSave: PackSave = 'none';

  constructor(file: string, version: string = pipelineVersion()) {
    this.file = file;
    this.version = version;
    this.entries = new Map();
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      // Missing file: written whole on the first save with something in it.
      this.rewrite = true;
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.markDirty();
      return;
    }
    this.fileBytes = Buffer.byteLength(text);
    this.read(text);
  }

  /**
   * Reads the lines of a pack. A line that does not parse or has the wrong
   * shape (a write cut short, two appends run together) is skipped and the
   * pack is written whole on the next save; so is one that does not end in
   * a newline, which the next append would run into.
   */
  private read(text: string): void {
    let end = text.indexOf('\n');
    let header: Partial<PackHeader> | undefined;
    try {
      header = JSON.parse(end < 0 ? text : text.slice(0, end)) as Partial<PackHeader>;
    } catch {
      header = undefined;
    }
    if (!header || header.labkitParsePack !== PACK_FORMAT || header.version !== this.version) {
      this.rewrite = true; // foreign, outdated or corrupt pack: replace it
      this.markDirty();
      return;
    }
    if (!text.endsWith('\n')) this.markDirty(true);
    let at = Buffer.byteLength(text.slice(0, end + 1));
    while (end >= 0 && end < text.length - 1) {
      const start = end + 1;
      end = text.indexOf('\n', start);
      const line = text.slice(start, end < 0 ? undefined : end);
      const lineAt = at;
      at += Buffer.byteLength(line) + 1;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        this.markDirty(true);
        continue;
      }
      if (!Array.isArray(row) || row.length !== 2 || typeof row[0] !== 'string') {
        this.markDirty(true);
        continue;
      }
      const [rel, entry] = row as [string, Entry | null];
      if (entry === null) {
        this.entries.delete(rel);
        this.lineBytes.delete(rel);
        this.lineAt.delete(rel);
      } else if (entry && typeof entry === 'object' && typeof entry.hash === 'string' && typeof entry.text === 'string' && entry.doc && typeof entry.doc === 'object') {
        this.entries.set(rel, entry);
        this.lineBytes.set(rel, at - lineAt);
        this.lineAt.set(rel, lineAt);
      } else this.markDirty(true);
    }
  }

  /** Something to save; `whole`: by writing the pack again, not appending. */
  private markDirty(whole = false): void {
    if (whole) this.rewrite = true;
    this.dirty = true;
  }

  /** The cached parse of `rel` if its text is unchanged. */
  get(rel: string, source: string): ParsedDocument | undefined {
    const e = this.entries.get(rel);
    if (!e || e.hash !== contentHash(source)) return undefined;
    this.hits++;
    return { ...storedDoc(e.doc), source };
  }

  /**
   * Where `rel`'s line is in the pack file (byte offset and length, the
   * newline included), when the file holds its current entry: a graph
   * snapshot (graph/snapshot.ts) reads one tree from there with
   * {@link readPackEntry} instead of the whole pack.
   */
  where(rel: string): [offset: number, length: number] | undefined {
    const at = this.lineAt.get(rel);
    const n = this.lineBytes.get(rel);
    return at === undefined || n === undefined || this.pending.has(rel) ? undefined : [at, n];
  }

  /** Records a fresh parse. */
  set(doc: ParsedDocument): void {
    const { source, ...rest } = doc;
    // No front matter: `data` is undefined, restored by get().
    if (rest.frontMatter.data === undefined || jsonSafe(rest.frontMatter.data)) {
      const entry = { hash: contentHash(source), doc: rest, text: source };
      this.entries.set(doc.file, entry);
      this.pending.set(doc.file, entry);
    } else this.drop(doc.file);
    this.dirty = true;
  }

  /** Drops entries of files not in `keep`. */
  prune(keep: ReadonlySet<string>): void {
    for (const rel of [...this.entries.keys()]) if (!keep.has(rel)) this.drop(rel);
  }

  private drop(rel: string): void {
    if (!this.entries.has(rel)) return;
    this.entries.delete(rel);
    this.lineAt.delete(rel);
    this.pending.set(rel, null);
    this.dirty = true;
  }

  /**
   * Saves what changed (never throws): appends the lines of the entries set
   * or dropped since the pack was read, or writes the whole pack atomically
   * (temp + rename) when it is missing, foreign or damaged, or when the
   * file would hold more bytes of lines no longer needed than of live ones.
   * With nothing changed, only marks the pack used (mtime). Drops other
   * packs unused for {@link STALE_PACK_MS}. Returns whether it wrote.
   */
  save(): boolean {
    this.sweep();
    if (!this.dirty) {
      this.lastSave = 'none';
      try {
        const now = new Date();
        utimesSync(this.file, now, now);
      } catch {
        // no pack (nothing to cache) or read-only cache: fine
      }
      return false;
    }
    if (!this.rewrite) {
      let lines = '';
      let at = this.fileBytes;
      const placed = new Map<string, number>();
      for (const [rel, entry] of this.pending) {
        const line = JSON.stringify([rel, entry]) + '\n';
        lines += line;
        const n = Buffer.byteLength(line);
        if (entry) (this.lineBytes.set(rel, n), placed.set(rel, at));
        else this.lineBytes.delete(rel);
        at += n;
      }
      let live = HEADER_SLACK;
      for (const n of this.lineBytes.values()) live += n;
      const total = this.fileBytes + Buffer.byteLength(lines);
      if (total <= 2 * live) {
        try {
          appendFileSync(this.file, lines);
          for (const [rel, a] of placed) this.lineAt.set(rel, a);
          this.fileBytes = total;
          this.pending.clear();
          this.dirty = false;
          this.lastSave = 'appended';
          return true;
        } catch {
          // the pack went away or cannot be appended to: write it whole
        }
      }
    }
    return this.writeWhole();
  }

  private writeWhole(): boolean {
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      let chunk = JSON.stringify({ labkitParsePack: PACK_FORMAT, version: this.version } satisfies PackHeader) + '\n';
      let bytes = Buffer.byteLength(chunk);
      this.lineBytes.clear();
      this.lineAt.clear();
      const fd = openSync(tmp, 'w');
      try {
        // Written in slices: one string of the whole pack would double its memory.
        for (const [rel, entry] of this.entries) {
          const line = JSON.stringify([rel, entry]) + '\n';
          const n = Buffer.byteLength(line);
          this.lineBytes.set(rel, n);
          this.lineAt.set(rel, bytes);
          bytes += n;
          chunk += line;
          if (chunk.length > 1 << 20) {
            writeAll(fd, chunk);
            chunk = '';
          }
        }
        writeAll(fd, chunk);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      this.fileBytes = bytes;
      this.pending.clear();
      this.rewrite = false;
      this.dirty = false;
      this.lastSave = 'rewritten';
      return true;
    } catch {
      rmSync(tmp, { force: true });
      this.lastSave = 'failed';
      return false; // a cache that cannot be written is only slower
    }
  }

  private sweep(): void {
    const dir = dirname(this.file);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    const cutoff = Date.now() - STALE_PACK_MS;
    for (const name of names) {
      const f = join(dir, name);
      if (f === this.file) continue;
      try {
        if (statSync(f).mtimeMs < cutoff) rmSync(f, { force: true });
      } catch {
        // raced with another process: fine
      }
    }
  }
}

/**
 * One entry of a pack, read from `offset` (see {@link ParseCache.where})
 * without reading the rest: the parse of `rel` if the line there is its
 * entry and the entry is of this text (`digest`, the sha1 of the text the
 * caller's snapshot recorded), else `undefined` (the pack was written again
 * since, or damaged): the caller parses the file instead. The text comes
 * with it, as the entry holds it: a caller that relies on it (the previous
 * text of an edited file) checks it against `digest` itself.
 */
export function readPackEntry(file: string, offset: number, length: number, rel: string, digest: string): (Omit<ParsedDocument, 'source'> & { text: unknown }) | undefined {
  let line: string;
  try {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) return undefined;
        got += n;
      }
      line = buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!Array.isArray(row) || row[0] !== rel) return undefined;
  const entry = row[1] as Entry | null;
  if (!entry || typeof entry !== 'object' || !entry.doc || typeof entry.doc !== 'object' || entry.doc.digest !== digest) return undefined;
  return { ...storedDoc(entry.doc), text: entry.text };
}

/** A pack entry's parse as it was set: JSON has no `undefined`, so front matter without `data` gets it back. */
function storedDoc(doc: Entry['doc']): Entry['doc'] {
  const { frontMatter } = doc;
  return Object.hasOwn(frontMatter, 'data') ? doc : { ...doc, frontMatter: { ...frontMatter, data: undefined } };
}

/**
 * Appends fresh parses to a pack of this pipeline version without reading
 * it (a fresh process restored from a graph snapshot parsed only these);
 * returns where each line went, or `undefined` when the pack is missing,
 * foreign or does not end in a newline (nothing is written: the next full
 * load writes the pack whole). Entries a limit stopped are not cached.
 * The next {@link ParseCache} that reads the pack compacts it when the
 * lines it no longer needs outweigh the live ones.
 */
export function appendPackEntries(file: string, docs: readonly ParsedDocument[], version: string = pipelineVersion()): Map<string, [offset: number, length: number]> | undefined {
  const placed = new Map<string, [number, number]>();
  try {
    const fd = openSync(file, 'a+');
    try {
      const head = Buffer.alloc(4096);
      const n = readSync(fd, head, 0, head.length, 0);
      const nl = head.subarray(0, n).indexOf(10);
      if (nl < 0) return undefined;
      const header = JSON.parse(head.toString('utf8', 0, nl)) as Partial<PackHeader>;
      if (header.labkitParsePack !== PACK_FORMAT || header.version !== version) return undefined;
      const size = fstatSync(fd).size;
      const last = Buffer.alloc(1);
      if (readSync(fd, last, 0, 1, size - 1) !== 1 || last[0] !== 10) return undefined;
      let text = '';
      let at = size;
      for (const doc of docs) {
        if (doc.diagnostics.some((d) => d.ruleId === 'lab:content-limit')) continue;
        const { source, ...rest } = doc;
        if (rest.frontMatter.data !== undefined && !jsonSafe(rest.frontMatter.data)) continue;
        const line = JSON.stringify([doc.file, { hash: contentHash(source), doc: rest, text: source } satisfies Entry]) + '\n';
        const bytes = Buffer.byteLength(line);
        placed.set(doc.file, [at, bytes]);
        at += bytes;
        text += line;
      }
      if (!text) return placed;
      // O_APPEND: one write, after whatever another process appended (its offsets are then wrong, which readPackEntry detects).
      writeAll(fd, text);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  return placed;
}
