import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { discoverFiles, labkitCacheDir, pipelineVersion } from '@labkit/sdk';
import type { Diagnostic, RefusedLink, UnreadableFolder } from '@labkit/sdk';
import { CONFIG_FILES } from '../config/lab-config-files.ts';

/**
 * `lab validate --cache`'s whole-result cache: when no input changed, the
 * stored diagnostics are the answer, with no parse and no rule run. One
 * entry per content root, `<cache>/validate/<sha256 of the root>.json`,
 * beside the parse packs. Its key is a sha256 over the file list exactly as
 * the loader discovers it (refused symlinks are never read, only their
 * refusal is keyed), the sha256 of every listed file's bytes (mtimes are not
 * trusted), every `lab.config.*` at or above the root, the SDK pipeline
 * version that keys the parse cache, the CLI version, and `--no-code`.
 * Content with `*.lab.ts` files that would run gets no entry: their imports
 * may reach outside the folder, which the key cannot see.
 * A missing, corrupt or foreign entry is a miss; writes are temp + rename.
 */

/** Bumped when the entry's shape or what the key covers changes. */
const REVISION = 1;

/** What a hit gives back. */
export interface CachedValidation {
  diagnostics: Diagnostic[];
  /** The files the loader listed (code frames read only these). */
  files: string[];
  items: number;
  documents: number;
}

interface Entry extends CachedValidation {
  key: string;
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
 */
export function validateCacheKey(root: string, options: { code: boolean }): string | undefined {
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
  for (const rel of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(root, rel));
    } catch {
      return undefined; // the full run reports it (lab:unreadable)
    }
    h.update(`file ${rel}\0${sha256(bytes)}\n`);
  }
  return h.digest('hex');
}

/** The stored result for `key`, or `undefined` (missing, corrupt, other key). Never throws. */
export function readValidateCache(file: string, key: string): CachedValidation | undefined {
  try {
    const e = JSON.parse(readFileSync(file, 'utf8')) as Partial<Entry> | null;
    if (!e || e.key !== key || !Array.isArray(e.diagnostics) || !Array.isArray(e.files)) return undefined;
    if (typeof e.items !== 'number' || typeof e.documents !== 'number') return undefined;
    if (!e.diagnostics.every((d) => d && typeof d === 'object' && typeof d.file === 'string' && typeof d.message === 'string')) return undefined;
    return { diagnostics: e.diagnostics, files: e.files, items: e.items, documents: e.documents };
  } catch {
    return undefined;
  }
}

/** Stores a result atomically (temp + rename). A cache that cannot be written is only slower: never throws. */
export function writeValidateCache(file: string, key: string, result: CachedValidation): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, JSON.stringify({ key, ...result } satisfies Entry));
    renameSync(tmp, file);
  } catch {
    rmSync(tmp, { force: true });
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
