import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { discoverFiles, labkitCacheDir, pipelineVersion } from '@labkit/sdk/light';
import type { Diagnostic, RefusedLink, UnreadableFolder } from '@labkit/sdk/light';
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
const REVISION = 2;

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

/** An entry as stored: the key, the result, and the stamps of the next key's shortcut. */
export interface StoredValidation extends CachedValidation {
  key: string;
  stamps: Stamps;
}

/** A key, and the stamps to store with it. */
export interface ValidateCacheKey {
  key: string;
  stamps: Stamps;
}

/** The entry file of a content root. */
export function validateCachePath(root: string, cacheDir: string = labkitCacheDir()): string {
  return join(cacheDir, 'validate', `${sha256(resolve(root))}.json`);
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
 * being read; the key is the same either way.
 */
export function validateCacheKey(root: string, options: { code: boolean; stamps?: Stamps }): ValidateCacheKey | undefined {
  const refused: RefusedLink[] = [];
  const unreadable: UnreadableFolder[] = [];
  const files = discoverFiles(root, refused, unreadable);
  if (unreadable.length > 0) return undefined;
  if (options.code && files.some((f) => f.endsWith('.lab.ts'))) return undefined;
  const h = createHash('sha256');
  h.update(JSON.stringify({ revision: REVISION, pipeline: pipelineVersion(), cli: version(), code: options.code, refused }));
  h.update('\0');
  for (let dir = root; ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const file = join(dir, name);
      if (!existsSync(file)) continue;
      try {
        h.update(`config ${file}\0${sha256(readFileSync(file))}\n`);
      } catch {
        return undefined;
      }
    }
    if (dirname(dir) === dir) break;
  }
  const previous = options.stamps ?? {};
  const stamps: Stamps = {};
  const settled = BigInt(Date.now()) * 1_000_000n - RACY_MS * 1_000_000n;
  for (const rel of files) {
    const abs = join(root, rel);
    let digest: string;
    try {
      const st = statSync(abs, { bigint: true });
      const stat = `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
      const known = Object.hasOwn(previous, rel) ? previous[rel] : undefined;
      if (known && known[0] === stat) digest = known[1];
      else digest = sha256(readFileSync(abs));
      // The stat was taken before the read: a write in between changes the ctime.
      if (st.ctimeNs < settled) stamps[rel] = [stat, digest];
    } catch {
      return undefined; // the full run reports it (lab:unreadable)
    }
    h.update(`file ${rel}\0${digest}\n`);
  }
  return { key: h.digest('hex'), stamps };
}

/** The stored entry (whatever its key), or `undefined` (missing, corrupt, foreign). Never throws. */
export function readValidateCache(file: string): StoredValidation | undefined {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredValidation> | null;
    if (!e || typeof e.key !== 'string' || !Array.isArray(e.diagnostics) || !Array.isArray(e.files)) return undefined;
    if (typeof e.items !== 'number' || typeof e.documents !== 'number') return undefined;
    if (!e.diagnostics.every((d) => d && typeof d === 'object' && typeof d.file === 'string' && typeof d.message === 'string')) return undefined;
    const stamps: Stamps = {};
    if (e.stamps && typeof e.stamps === 'object') {
      for (const [rel, v] of Object.entries(e.stamps)) if (Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'string') stamps[rel] = [v[0], v[1]];
    }
    return { key: e.key, stamps, diagnostics: e.diagnostics, files: e.files, items: e.items, documents: e.documents };
  } catch {
    return undefined;
  }
}

/** Stores a result atomically (temp + rename). A cache that cannot be written is only slower: never throws. */
export function writeValidateCache(file: string, key: ValidateCacheKey, result: CachedValidation): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify({ key: key.key, ...result, stamps: key.stamps } satisfies StoredValidation));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
