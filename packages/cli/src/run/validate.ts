import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
// The light entry only: an unchanged folder is answered from the stored
// result before the SDK's pipeline is loaded (loadContent is imported on a miss).
import { contentDir, discoverFiles, labkitCacheDir, summarize } from '@labkit/sdk/light';
import type { ContentGraph, Diagnostic, DiagnosticSummary } from '@labkit/sdk';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';
import { readValidateCache, validateCacheKey, validateCachePath, writeValidateCache } from './validate-cache.ts';
import type { CachedValidation, ValidateCacheKey } from './validate-cache.ts';

export interface ValidateOptions {
  /** The content folder. */
  dir: string;
  /** A graph of that folder already loaded (then nothing is read again). */
  graph?: ContentGraph;
  /**
   * Use the on-disk caches (default off: a cold, self-contained run): when
   * no input changed, the stored result (no parse, no rules; see
   * validate-cache.ts), else the SDK's parse cache. `true`: the Labkit cache
   * directory; a string: that cache directory.
   */
  cache?: boolean | string;
  /** `false` (`--no-code`): never import `*.lab.ts` files. */
  code?: boolean;
  /** Fail (`ok: false`) on more warnings than this. */
  maxWarnings?: number;
  /**
   * Load on a worker thread whose young generation is capped at
   * {@link ISOLATE_YOUNG_MB} and get back only the diagnostics, files and
   * counts (no `graph` in the result). What `lab validate` does: V8 sizes
   * the main thread's young generation at up to 134 MB here, so a big cold
   * run peaked ~125 MB higher (1,000 challenges: 652 MB against 527 MB, the
   * same time). Not for content whose `*.lab.ts` files would run (their
   * imports of `labkit` resolve through this process's hooks): that loads here.
   */
  isolate?: boolean;
  reporter?: CommandReporter;
}

export interface ValidateResult {
  /** No error, and no more warnings than `maxWarnings`. */
  ok: boolean;
  root: string;
  /**
   * The graph validated (its documents give the code frames their source);
   * absent when the result came whole from the `--cache` entry.
   */
  graph?: ContentGraph;
  /** The files the loader listed (a code frame reads only these). */
  files: ReadonlySet<string>;
  /** How many items and documents were checked. */
  counts: { items: number; documents: number };
  /** The result came whole from the `--cache` entry (nothing changed). */
  fromCache: boolean;
  diagnostics: readonly Diagnostic[];
  summary: DiagnosticSummary;
  /** More warnings than `maxWarnings`. */
  tooManyWarnings: boolean;
}

/**
 * `lab validate`: loads the content graph once (or takes the caller's) and
 * returns its diagnostics and their summary; the reporter sees the
 * diagnostics as soon as they are known. With `cache`, an unchanged folder
 * is answered from the stored result without loading it.
 */
export async function validate(options: ValidateOptions & { cache?: false }): Promise<ValidateResult & { graph: ContentGraph }>;
export async function validate(options: ValidateOptions): Promise<ValidateResult>;
export async function validate(options: ValidateOptions): Promise<ValidateResult> {
  const root = resolve(options.dir);
  const reporter = options.reporter ?? silentReporter;
  const finish = (diagnostics: readonly Diagnostic[], rest: Pick<ValidateResult, 'graph' | 'files' | 'counts' | 'fromCache'>): ValidateResult => {
    reporter.diagnostics(diagnostics);
    const summary = summarize(diagnostics);
    const tooManyWarnings = options.maxWarnings !== undefined && summary.warnings > options.maxWarnings;
    return { ok: summary.errors === 0 && !tooManyWarnings, root, ...rest, diagnostics, summary, tooManyWarnings };
  };
  let graph = options.graph;
  const code = options.code !== false;
  let entry: { file: string; key: ValidateCacheKey } | undefined;
  if (!graph) {
    contentDir(root);
    if (options.cache) {
      const file = validateCachePath(root, typeof options.cache === 'string' ? options.cache : labkitCacheDir());
      const stored = readValidateCache(file);
      const key = validateCacheKey(root, { code, ...(stored ? { stamps: stored.stamps } : {}) });
      if (key && stored?.key === key.key) return finish(stored.diagnostics, { files: new Set(stored.files), counts: { items: stored.items, documents: stored.documents }, fromCache: true });
      if (key !== undefined) entry = { file, key };
    }
    reporter.progress('loading content');
    if (options.isolate && !(code && discoverFiles(root).some((f) => f.endsWith('.lab.ts')))) {
      const r = await loadIsolated(root, { parseCache: options.cache ?? false, code });
      const counts = { items: r.items, documents: r.documents };
      if (entry && validateCacheKey(root, { code, stamps: entry.key.stamps })?.key === entry.key.key) writeValidateCache(entry.file, entry.key, r);
      return finish(r.diagnostics, { files: new Set(r.files), counts, fromCache: false });
    }
    const { loadContent } = await import('@labkit/sdk');
    graph = await loadContent(root, { parseCache: options.cache ?? false, code });
  }
  const counts = { items: graph.items.length, documents: graph.documents.size };
  // Stored only if nothing changed while loading: the key is taken again.
  if (entry && validateCacheKey(root, { code, stamps: entry.key.stamps })?.key === entry.key.key)
    writeValidateCache(entry.file, entry.key, { diagnostics: [...graph.diagnostics], files: [...graph.files], ...counts });
  return finish(graph.diagnostics, { graph, files: graph.files, counts, fromCache: false });
}

/** The young generation of the isolated load's thread, in MB (see `isolate`). */
export const ISOLATE_YOUNG_MB = 16;

/** Runs loadContent on a worker (validate-worker.ts); rejects with the worker's error. */
function loadIsolated(root: string, options: { parseCache: string | boolean; code: boolean }): Promise<CachedValidation> {
  // From source (the workspace), the worker resolves @labkit/sdk to its
  // sources as bin/lab.js does for this thread; dist/ has validate-worker.js.
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './validate-worker.ts' : './validate-worker.js', import.meta.url);
  return new Promise((resolveResult, reject) => {
    const worker = new Worker(url, {
      workerData: { root, ...options },
      // Not the parent's --input-type / --eval flags: they break a worker's start.
      execArgv: [...process.execArgv.filter((a) => !/^--(input-type|eval|print)\b/.test(a)), ...(fromSource ? ['--conditions=labkit-source'] : [])],
      resourceLimits: { maxYoungGenerationSizeMb: ISOLATE_YOUNG_MB },
    });
    let result: CachedValidation | undefined;
    worker.once('message', (m: CachedValidation) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolveResult(result) : reject(new Error(`the validate worker stopped (exit code ${code}) without a result`))));
  });
}
