import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Root } from 'mdast';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.ts';
import { defineErrors } from '../errors/labkit-error.ts';
import type { FrontMatter } from '../parse/front-matter.ts';
import { digestOf, parseDocument, type ParsedDocument } from '../parse/parse-document.ts';
import type { ValidationCache } from '../validate/validate-graph.ts';
import { jsonSafe, labkitCacheDir, packageVersion, pipelineVersion, readPackEntry, STALE_PACK_MS } from './parse-cache.ts';
import { lazyProperty } from '../util/lazy-property.ts';

/**
 * Graph snapshot: what a fresh `lab build` process needs to rebuild one
 * edited file without loading the whole graph again. Written after a load
 * (next to the parse pack, `<cache>/graph/<sha256 of the root>.bin`), it
 * holds every Markdown document's parse result WITHOUT its mdast (front
 * matter with places, digest, parse diagnostics, and where its tree is in
 * the parse pack), the rules' per-item results (diagnostics, the links the
 * cross-document rules check, validated front matter), and each content
 * file's stamp. The next load stats the files, re-parses only the changed
 * ones and re-runs the rules only for the items they touch (the store's
 * per-item cache, as `updateFiles` does); a tree is read from the pack
 * only when something walks it (a render cache miss, a re-checked item).
 *
 * Trust: the file is in the user's cache, never in content (its path is
 * the cache folder plus a hash, which content cannot choose). It is used
 * only when its checksum, format, pipeline version, the SDK's code stamp,
 * the content root and the load options all match; anything else (torn,
 * foreign, older, written by other code) is ignored and replaced. A file
 * whose stamp (mtime, ctime, size, inode) differs is parsed again; a tree
 * read from the pack must be the entry of that file with that digest,
 * else the file is parsed again from its text, whose digest must match.
 */

/** Bump when the snapshot's shape changes. */
// 2: front matter places packed into number rows, unpacked when first read.
const SNAPSHOT_FORMAT = 2;
const MAGIC = Buffer.from(`labkit-graph-snapshot ${SNAPSHOT_FORMAT}\n`);

/** Where a tree is in the parse pack: byte offset and length of its line. */
export type PackPlace = [offset: number, length: number];

/** One Markdown document's parse result as the snapshot keeps it. */
export interface SnapshotDoc {
  file: string;
  digest: string;
  frontMatter: FrontMatter;
  diagnostics: Diagnostic[];
  /** Where the tree is in the pack; else `mdast` (an empty body: the pack does not keep limited files). */
  at?: PackPlace;
  mdast?: Root;
}

export interface SnapshotData {
  key: string;
  /** Stamp of every content file, taken before any was read. */
  stamps: Map<string, string>;
  docs: SnapshotDoc[];
  validation: ValidationCache['items'];
  /** Inode of the parse pack the places point into: a pack written whole since (renamed over) is another inode, and the places are void. */
  packIno: number;
}

export const SnapshotErrors = defineErrors({
  ContentChanged: {
    title: 'Content changed during the build',
    message: (file: string) => `${file} changed while it was being built.`,
    hint: 'Run the command again once the file is saved.',
  },
});

/**
 * Snapshot file of a content root. A load without the content's code
 * (`code: false`: `lab validate --cache --no-code`, `lab build --no-code`)
 * has its own: one snapshot for both would make each of two alternating
 * commands find the other's and load in full.
 */
export function snapshotPath(root: string, cacheDir: string = labkitCacheDir(), options: { code?: boolean } = {}): string {
  return join(cacheDir, 'graph', `${createHash('sha256').update(resolve(root)).digest('hex')}${options.code === false ? '-no-code' : ''}.bin`);
}

let codeStampMemo: string | undefined;
/**
 * The SDK's own code (size and mtime of its module files): a snapshot
 * holds rule results, so one written by other code of the same version
 * (a working copy between releases) must not be trusted.
 */
function codeStamp(): string {
  if (codeStampMemo !== undefined) return codeStampMemo;
  const top = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const h = createHash('sha256');
  try {
    const names = (readdirSync(top, { recursive: true }) as string[]).filter((n) => /\.(ts|js|mjs|json)$/.test(n)).sort();
    for (const n of names) {
      const st = statSync(join(top, n));
      h.update(`${n}\0${st.size}\0${st.mtimeMs}\n`);
    }
  } catch {
    h.update(String(Math.random())); // unreadable: no snapshot is ever trusted
  }
  return (codeStampMemo = h.digest('hex'));
}

/** What a snapshot must have been written with to be used for this load. */
export function snapshotKey(root: string, options: { code?: boolean; parseGuard?: unknown }): string {
  let zod = '?';
  try {
    zod = packageVersion(import.meta.resolve('zod'), 'zod');
  } catch {
    // unresolvable: '?' still keys it
  }
  return JSON.stringify([SNAPSHOT_FORMAT, pipelineVersion(), `zod@${zod}`, codeStamp(), resolve(root), options.code !== false, options.parseGuard ?? null]);
}

/**
 * A file changed this recently when it was statted gets no stamp (parsed
 * again next time), as `lab validate --cache` does. Tests that write
 * content and build at once lower it, to exercise the restore.
 */
export const snapshotTuning = { racyMs: 2000 };

/**
 * Each file's stamp (device, inode, size, mtime and ctime in nanoseconds;
 * no write, nor a `touch` that puts the mtime back, leaves the ctime as it
 * was). A file changed within the last two
 * seconds gets the empty stamp: a second write in the same clock tick could
 * leave the stamp as it was, so it is never trusted and is parsed again next
 * time; it is still listed, so the snapshot knows the file was there (an
 * edit then is an edit, not an added file). A file that cannot be statted
 * is not in the map.
 */
export function stampFiles(root: string, files: readonly string[]): Map<string, string> {
  const settled = (BigInt(Date.now()) - BigInt(snapshotTuning.racyMs)) * 1_000_000n;
  // Synchronous: 3,060 stats on libuv's threads cost the main thread more
  // (a promise each) than statting them here (load phase -70 ms, 5 pairs).
  const stats = files.map((rel) => {
    try {
      return statSync(join(root, rel), { bigint: true, throwIfNoEntry: false });
    } catch {
      return undefined; // unreadable (EACCES, ELOOP): no stamp, as a vanished file
    }
  });
  const out = new Map<string, string>();
  files.forEach((rel, i) => {
    const st = stats[i];
    if (st) out.set(rel, st.ctimeNs < settled ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}` : '');
  });
  return out;
}

/**
 * A front matter place as a row of numbers: the pointer, then the value's
 * start line, start column, end line, end column, then the key's (if any).
 * Places were 90% of a snapshot as objects (8 of 8.9 MB at 3,000 pages),
 * and a restored load reads few of them: only a re-checked item's rules
 * and the diagnostics that point into front matter do.
 */
type PackedPlace = [pointer: string, ...numbers: number[]];

const isPoint = (p: unknown): p is { line: number; column: number } =>
  !!p && typeof p === 'object' && Object.keys(p).length === 2 && typeof (p as { line: unknown }).line === 'number' && typeof (p as { column: unknown }).column === 'number';
const isSpan = (s: unknown): s is Span => !!s && typeof s === 'object' && Object.keys(s).length === 2 && isPoint((s as Span).start) && isPoint((s as Span).end);

/** Places as rows; undefined if any is not a plain key/value pair of spans (kept as objects then). */
function packPlaces(places: FrontMatter['places']): PackedPlace[] | undefined {
  const rows: PackedPlace[] = [];
  for (const [pointer, place] of Object.entries(places)) {
    const keys = Object.keys(place);
    if (!isSpan(place.value) || (place.key !== undefined && !isSpan(place.key)) || keys.length !== (place.key === undefined ? 1 : 2)) return undefined;
    const v = place.value;
    const row: PackedPlace = [pointer, v.start.line, v.start.column, v.end.line, v.end.column];
    if (place.key) row.push(place.key.start.line, place.key.start.column, place.key.end.line, place.key.end.column);
    rows.push(row);
  }
  return rows;
}

function unpackPlaces(rows: PackedPlace[]): FrontMatter['places'] {
  const places: FrontMatter['places'] = {};
  const span = (r: PackedPlace, i: number): Span => ({ start: { line: r[i] as number, column: r[i + 1] as number }, end: { line: r[i + 2] as number, column: r[i + 3] as number } });
  for (const r of rows) places[r[0]] = r.length > 5 ? { key: span(r, 5), value: span(r, 1) } : { value: span(r, 1) };
  return places;
}

/** `places` unpacked on first read (then a plain property), so a restored load pays only for those it reads. */
function lazyPlaces(fm: FrontMatter, rows: PackedPlace[]): void {
  lazyProperty(fm, 'places', () => unpackPlaces(rows));
}

/** The snapshot as written: JSON (parsed ~10x faster than `v8.deserialize` here, 8 MB at 3,000 pages). */
interface SnapshotJson {
  key: string;
  stamps: [string, string][];
  docs: SnapshotDoc[];
  validation: [string, ValidationEntry][];
  packIno: number;
}
type ValidationEntry = ValidationCache['items'] extends Map<string, infer E> ? E : never;

/** The snapshot at `file` if it is whole and was written for `key`; else `undefined`. */
export function readSnapshot(file: string, key: string): SnapshotData | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  const head = MAGIC.length;
  if (buf.length < head + 32 || !buf.subarray(0, head).equals(MAGIC)) return undefined;
  const payload = buf.subarray(head + 32);
  if (!createHash('sha256').update(payload).digest().equals(buf.subarray(head, head + 32))) return undefined;
  let d: Partial<SnapshotJson> | null;
  try {
    d = JSON.parse(payload.toString('utf8')) as Partial<SnapshotJson> | null;
  } catch {
    return undefined;
  }
  if (!d || typeof d !== 'object' || d.key !== key || !Array.isArray(d.stamps) || !Array.isArray(d.docs) || !Array.isArray(d.validation) || typeof d.packIno !== 'number') return undefined;
  for (const doc of d.docs) {
    if (!Object.hasOwn(doc.frontMatter, 'data')) doc.frontMatter = { ...doc.frontMatter, data: undefined };
    const packed: unknown = doc.frontMatter.places;
    if (Array.isArray(packed)) lazyPlaces(doc.frontMatter, packed as PackedPlace[]);
  }
  for (const [, entry] of d.validation) entry.validated = entry.validated.map((v) => v ?? undefined);
  return { key: d.key, stamps: new Map(d.stamps), docs: d.docs, validation: new Map(d.validation), packIno: d.packIno };
}

/**
 * Writes a snapshot atomically (temp file, rename); never throws (without
 * one the next load is only slower). Content whose front matter JSON
 * cannot carry as it is (a YAML date, `.inf`) gets none. Drops other
 * snapshots unused for as long as a stale parse pack. Returns whether it wrote.
 */
export function writeSnapshot(file: string, data: SnapshotData): boolean {
  for (const doc of data.docs) if (doc.frontMatter.data !== undefined && !jsonSafe(doc.frontMatter.data)) return false;
  for (const entry of data.validation.values()) if (!entry.validated.every((v) => v === undefined || jsonSafe(v))) return false;
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    const docs = data.docs.map((doc) => {
      const places = packPlaces(doc.frontMatter.places);
      return places ? { ...doc, frontMatter: { ...doc.frontMatter, places: places as unknown as FrontMatter['places'] } } : doc;
    });
    const json: SnapshotJson = { key: data.key, stamps: [...data.stamps], docs, validation: [...data.validation], packIno: data.packIno };
    const payload = Buffer.from(JSON.stringify(json));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, Buffer.concat([MAGIC, createHash('sha256').update(payload).digest(), payload]));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
  const cutoff = Date.now() - STALE_PACK_MS;
  try {
    for (const name of readdirSync(dirname(file))) {
      const f = join(dirname(file), name);
      if (f !== file && statSync(f).mtimeMs < cutoff) rmSync(f, { force: true });
    }
  } catch {
    // raced with another process: fine
  }
  return true;
}

const PLACE = Symbol('labkit.snapshotPlace');

/** Inode of the parse pack, or -1 when there is none. */
export function packInode(pack: string): number {
  try {
    return statSync(pack).ino;
  } catch {
    return -1;
  }
}

/** Whether `doc` came from a snapshot and reads its tree only when asked. */
export function isLazyDocument(doc: ParsedDocument): boolean {
  return PLACE in doc;
}

/** Where a snapshot document's tree is in the pack (undefined for a document parsed in this process). */
export function placeOf(doc: ParsedDocument): PackPlace | undefined {
  return (doc as { [PLACE]?: PackPlace })[PLACE];
}

/**
 * A parse result from a snapshot: front matter, digest and diagnostics are
 * there; the text is read from the file and the tree from the parse pack
 * on first use (each checked against the digest; a tree the pack no
 * longer holds is parsed again from the text). Both can be set (a
 * one-shot build drops a rendered tree).
 */
export function lazyDocument(root: string, pack: string, rec: SnapshotDoc): ParsedDocument {
  let source: string | undefined;
  let mdast: Root | undefined = rec.mdast;
  const doc = { file: rec.file, digest: rec.digest, frontMatter: rec.frontMatter, diagnostics: rec.diagnostics } as ParsedDocument;
  Object.defineProperty(doc, PLACE, { value: rec.at, enumerable: false, writable: true });
  Object.defineProperty(doc, 'source', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (source === undefined) {
        let text: string;
        try {
          text = readFileSync(join(root, rec.file), 'utf8');
        } catch {
          throw SnapshotErrors.ContentChanged(rec.file);
        }
        if (digestOf(text) !== rec.digest) throw SnapshotErrors.ContentChanged(rec.file);
        source = text;
      }
      return source;
    },
    set: (v: string) => void (source = v),
  });
  Object.defineProperty(doc, 'mdast', {
    enumerable: true,
    configurable: true,
    get: () => {
      if (mdast === undefined) {
        snapshotStats.treesRead++;
        const entry = rec.at ? readPackEntry(pack, rec.at[0], rec.at[1], rec.file, rec.digest) : undefined;
        if (entry) mdast = entry.mdast;
        else {
          // Not where the snapshot said: parsed from the text (of this digest), and the place is forgotten.
          snapshotStats.treesParsed++;
          (doc as { [PLACE]?: PackPlace })[PLACE] = undefined;
          mdast = parseDocument(doc.source, { file: rec.file }).mdast;
        }
      }
      return mdast;
    },
    set: (v: Root) => void (mdast = v),
  });
  return doc;
}

/**
 * The parse a snapshot recorded for a file edited since, with the text it
 * was parsed from (the pack keeps it): a restored load re-parses only the
 * blocks around the edit against it (parse/incremental.ts) instead of the
 * whole file. `undefined` when the pack no longer holds that parse, or its
 * text is not the one the snapshot recorded.
 */
export function previousDocument(pack: string, rec: SnapshotDoc): ParsedDocument | undefined {
  if (!rec.at) return undefined;
  const entry = readPackEntry(pack, rec.at[0], rec.at[1], rec.file, rec.digest);
  if (!entry || typeof entry.text !== 'string' || digestOf(entry.text) !== rec.digest) return undefined;
  snapshotStats.previousRead++;
  const { text, ...doc } = entry;
  return { ...doc, source: text };
}

/** The snapshot's record of a document: its place in the pack, else its tree when small (an empty body); `undefined`: cannot be kept. */
export function snapshotDoc(doc: ParsedDocument, at: PackPlace | undefined): SnapshotDoc | undefined {
  const rec: SnapshotDoc = { file: doc.file, digest: doc.digest, frontMatter: doc.frontMatter, diagnostics: doc.diagnostics };
  if (at) return { ...rec, at };
  if (doc.mdast.children.length === 0) return { ...rec, mdast: doc.mdast };
  return undefined;
}

/** Trees this process read lazily, how many of them had to be parsed again, and the previous parses of edited files read (tests and benches look). */
export const snapshotStats = { treesRead: 0, treesParsed: 0, previousRead: 0 };
