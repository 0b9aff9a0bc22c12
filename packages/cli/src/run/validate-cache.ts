import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { discoverFiles, labkitCacheDir, pipelineVersion, summarize } from '@labkit/sdk/light';
import type { Diagnostic, DiagnosticSummary, RefusedLink, UnreadableFolder } from '@labkit/sdk/light';
import { CONFIG_FILES } from '../config/lab-config-files.ts';

/**
 * `lab validate --cache`'s whole-result cache: when no input changed, the
 * stored diagnostics are the answer, with no parse and no rule run. One
 * entry per content root, `<cache>/validate/<sha256 of the root>.json`,
 * beside the parse packs. Its key is a sha256 over the file list exactly as
 * the loader discovers it (refused symlinks are never read, only their
 * refusal is keyed), the sha256 of every listed file's bytes, every
 * `lab.config.*` at or above the root, the SDK pipeline version that keys
 * the parse cache, the CLI version, and `--no-code`.
 * Content with `*.lab.ts` files that would run gets no entry: their imports
 * may reach outside the folder, which the key cannot see.
 * A missing, corrupt or foreign entry is a miss; writes are temp + rename.
 *
 * Reading and hashing every file was most of a hit (11.6 MB: 0.15-0.5 s on
 * a loaded 2-core machine), so the entry also keeps, per file, the stat
 * that its sha256 was taken under (device, inode, size, mtime and ctime in
 * nanoseconds). A file whose stat is the same reuses that sha256 instead of
 * being read, as git's index does. The ctime is what makes this safe: no
 * write (nor a `touch` that puts the mtime back) leaves it unchanged. A
 * stat is kept only for a file that had not changed for RACY_MS before it
 * was taken, so a second write within the same clock tick as the first
 * cannot go unseen; such a file is hashed again next time.
 */

/** Bumped when the entry's shape or what the key covers changes. */
const REVISION = 3;

/** A file changed this recently when it was hashed gets no stat stamp (hashed again next time). */
const RACY_MS = 2000n;

/** What a hit gives back. */
export interface CachedValidation {
  diagnostics: Diagnostic[];
  /** The files the loader listed (code frames read only these). */
  files: string[];
  items: number;
  documents: number;
}

/** Per listed file: the stat its sha256 was taken under, and that sha256. */
export type Stamps = Record<string, [stat: string, sha256: string]>;

/**
 * The entry's head (`<root hash>.json`): the key, the counts and summary,
 * and the stamps of the next key's shortcut. The diagnostics and file list
 * are beside it (`.result.json`), and so is the printed output of each way
 * it was printed (`.out-<variant>`), each with the key it belongs to: a hit
 * that only prints reads the small head and one output file, neither
 * parsing nor formatting 2.3 MB of diagnostics (1,000 challenges).
 */
export interface StoredValidation {
  key: string;
  stamps: Stamps;
  items: number;
  documents: number;
  summary: DiagnosticSummary;
}

/** A key, and the stamps to store with it. */
export interface ValidateCacheKey {
  key: string;
  stamps: Stamps;
  /** The files the key was taken over (as `discoverFiles` lists them), and their Markdown's bytes. */
  files: readonly string[];
  markdownBytes: number;
}

/** The entry file (head) of a content root. */
export function validateCachePath(root: string, cacheDir: string = labkitCacheDir()): string {
  return join(cacheDir, 'validate', `${sha256(resolve(root))}.json`);
}

/** The diagnostics and file list beside a head. */
function resultPath(head: string): string {
  return head.replace(/\.json$/, '.result.json');
}

/** A printed output beside a head (variant: letters, digits and dashes). */
function outputPath(head: string, variant: string): string {
  return head.replace(/\.json$/, `.out-${variant.replace(/[^A-Za-z0-9-]/g, '_')}`);
}

let cliVersion: string | undefined;
function version(): string {
  if (cliVersion === undefined) {
    try {
      cliVersion = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '?';
    } catch {
      cliVersion = '?';
    }
  }
  return cliVersion;
}

/**
 * The digest of everything the diagnostics of `root` depend on, or
 * `undefined` when it cannot be known (a file or folder that cannot be
 * read, content code that would run): then there is no fast path.
 * `stamps` (from the stored entry) lets a file whose stat is unchanged skip
 * being read; the key is the same either way. It is a function, called
 * once every file's `stat` is under way on libuv's thread pool: the caller
 * reads and parses the stored entry meanwhile.
 */
export async function validateCacheKey(root: string, options: { code: boolean; stamps?: Stamps | (() => Stamps | undefined) }): Promise<ValidateCacheKey | undefined> {
  const refused: RefusedLink[] = [];
  const unreadable: UnreadableFolder[] = [];
  const files = discoverFiles(root, refused, unreadable);
  if (unreadable.length > 0) return undefined;
  if (options.code && files.some((f) => f.endsWith('.lab.ts'))) return undefined;
  // Started before anything else runs on this thread; a failed stat is an unreadable file.
  const stats = Promise.all(files.map((rel) => stat(join(root, rel), { bigint: true }).catch(() => undefined)));
  const h = createHash('sha256');
  h.update(JSON.stringify({ revision: REVISION, pipeline: pipelineVersion(), cli: version(), code: options.code, refused }));
  h.update('\0');
  let configOk = true;
  for (let dir = root; configOk; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      if (!existsSync(file)) continue;
      try {
        h.update(`config ${file}\0${sha256(readFileSync(file))}\n`);
      } catch {
        configOk = false;
        break;
      }
    }
    if (dirname(dir) === dir) break;
  }
  const previous = (typeof options.stamps === 'function' ? options.stamps() : options.stamps) ?? {};
  const all = await stats;
  if (!configOk) return undefined;
  const stamps: Stamps = {};
  const settled = BigInt(Date.now()) * 1_000_000n - RACY_MS * 1_000_000n;
  const digests = await Promise.all(
    files.map(async (rel, i) => {
      const st = all[i];
      if (!st) return undefined; // the full run reports it (lab:unreadable)
      const stat = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const known = Object.hasOwn(previous, rel) ? previous[rel] : undefined;
      let digest: string;
      if (known && known[0] === stat) digest = known[1];
      else {
        try {
          digest = sha256(await readFile(join(root, rel)));
        } catch {
          return undefined;
        }
      }
      // The stat was taken before the read: a write in between changes the ctime.
      if (st.ctimeNs < settled) stamps[rel] = [stat, digest];
      return digest;
    }),
  );
  let markdownBytes = 0;
  for (const [i, rel] of files.entries()) {
    const digest = digests[i];
    if (digest === undefined) return undefined;
    h.update(`file ${rel}\0${digest}\n`);
    if (rel.endsWith('.md')) markdownBytes += Number(all[i]!.size);
  }
  return { key: h.digest('hex'), stamps, files, markdownBytes };
}

/** The stored head (whatever its key), or `undefined` (missing, corrupt, foreign). Never throws. */
export function readValidateCache(file: string): StoredValidation | undefined {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredValidation> | null;
    if (!e || typeof e.key !== 'string' || typeof e.items !== 'number' || typeof e.documents !== 'number') return undefined;
    const s = e.summary;
    if (!s || typeof s !== 'object' || !(['errors', 'warnings', 'infos', 'files'] as const).every((k) => typeof s[k] === 'number')) return undefined;
    const stamps: Stamps = {};
    if (e.stamps && typeof e.stamps === 'object') {
      for (const [rel, v] of Object.entries(e.stamps)) if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') stamps[rel] = [v[0], v[1]];
    }
    return { key: e.key, stamps, items: e.items, documents: e.documents, summary: { errors: s.errors, warnings: s.warnings, infos: s.infos, files: s.files } };
  } catch {
    return undefined;
  }
}

/** The diagnostics and files stored beside a head, if they belong to `key`. Never throws. */
export function readValidateResult(file: string, key: string): Pick<CachedValidation, 'diagnostics' | 'files'> | undefined {
  try {
    const e = JSON.parse(readFileSync(resultPath(file), 'utf8')) as Partial<CachedValidation & { key: string }> | null;
    if (!e || e.key !== key || !Array.isArray(e.diagnostics) || !Array.isArray(e.files)) return undefined;
    if (!e.diagnostics.every((d) => d && typeof d === 'object' && typeof d.file === 'string' && typeof d.message === 'string')) return undefined;
    return { diagnostics: e.diagnostics, files: e.files };
  } catch {
    return undefined;
  }
}

/**
 * Stores a result (never throws: a cache that cannot be written is only
 * slower): the diagnostics first, then the head, each temp + rename, and
 * drops the printed outputs of the previous result.
 */
export function writeValidateCache(file: string, key: ValidateCacheKey, result: CachedValidation): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const prefix = basename(file).replace(/\.json$/, '.out-');
    for (const name of readdirSync(dirname(file))) if (name.startsWith(prefix)) rmSync(join(dirname(file), name), { force: true });
  } catch {
    return;
  }
  if (!writeAtomic(resultPath(file), JSON.stringify({ key: key.key, diagnostics: result.diagnostics, files: result.files }))) return;
  const head: StoredValidation = { key: key.key, items: result.items, documents: result.documents, summary: summarize(result.diagnostics), stamps: key.stamps };
  writeAtomic(file, JSON.stringify(head));
}

/**
 * Stores a hit's fresh stamps in its head when the key found files it
 * could stamp that the head could not (changed less than RACY_MS before
 * the entry was written, as after a checkout): without this, every hit
 * would read and hash them again until the next miss. Never throws.
 */
export function refreshStamps(file: string, stored: StoredValidation, key: ValidateCacheKey): void {
  if (stored.key !== key.key) return;
  const fresh = Object.keys(key.stamps).some((rel) => !Object.hasOwn(stored.stamps, rel) || stored.stamps[rel]![0] !== key.stamps[rel]![0]);
  if (fresh) writeAtomic(file, JSON.stringify({ ...stored, stamps: key.stamps } satisfies StoredValidation));
}

/**
 * A printed output of the result with `key` (`variant` names the way it was
 * printed: format, colour, filter), or `undefined`. It starts with the key's
 * line, so an output of another result is never taken. Never throws.
 */
export function readValidateOutput(file: string, key: string, variant: string): Buffer | undefined {
  try {
    const bytes = readFileSync(outputPath(file, variant));
    const nl = bytes.indexOf(10);
    if (nl < 0 || bytes.toString('latin1', 0, nl) !== key) return undefined;
    return bytes.subarray(nl + 1);
  } catch {
    return undefined;
  }
}

/** Keeps a printed output of the result with `key` beside its head. Never throws. */
export function writeValidateOutput(file: string, key: string, variant: string, text: string): void {
  writeAtomic(outputPath(file, variant), `${key}\n${text}`);
}

function writeAtomic(file: string, text: string): boolean {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
