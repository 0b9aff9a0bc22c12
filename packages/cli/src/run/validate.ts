import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
// The light entry only: an unchanged folder is answered from the stored
// result before the SDK's pipeline is loaded (loadContent is imported on a miss).
import { contentDir, discoverFiles, labkitCacheDir, startWorkerThread, summarize, workerExecArgv } from '@labkit/sdk/light';
import type { ContentGraph, Diagnostic, DiagnosticSummary, SnapshotReport } from '@labkit/sdk';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';
import { readValidateCache, readValidateOutput, refreshStamps, readValidateResult, validateCacheKey, validateCachePath, writeValidateCache, writeValidateOutput } from './validate-cache.ts';
import type { CachedValidation, StoredValidation, ValidateCacheKey } from './validate-cache.ts';

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
  /**
   * With `cache`: the way the caller prints the result (format, colour,
   * filter; letters, digits and dashes). A hit then gives the output kept
   * from the last time it was printed that way (`cachedOutput`) and reads
   * the diagnostics only if they are asked for; otherwise `keepOutput`
   * stores what the caller prints. Ignored with a `reporter`, which is
   * handed the diagnostics.
   */
  output?: string;
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
   * `{ oldGenerationMb }` sets that thread's old generation cap (default:
   * from the Markdown's size, see {@link ISOLATE_OLD_BASE_MB}); a load that
   * runs out of it is done again without a cap.
   */
  isolate?: boolean | { oldGenerationMb?: number };
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
  /**
   * With `cache`, when the folder was loaded: how the load used the graph
   * snapshot it shares with `lab build` (restored: only the changed files
   * were parsed and only the items they touch checked again).
   */
  snapshot?: SnapshotReport;
  diagnostics: readonly Diagnostic[];
  summary: DiagnosticSummary;
  /** More warnings than `maxWarnings`. */
  tooManyWarnings: boolean;
  /** The printed output kept for `output` with this very result (see `output`). */
  cachedOutput?: Buffer;
  /**
   * Keeps what the caller printed for `output` beside this result's
   * `--cache` entry, if the folder is still what the result was computed
   * from (a code frame reads files after the result is known).
   */
  keepOutput?: (text: string) => Promise<void>;
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
  const code = options.code !== false;
  const finish = (diagnostics: readonly Diagnostic[], rest: Pick<ValidateResult, 'graph' | 'files' | 'counts' | 'fromCache' | 'snapshot'>, entry?: { file: string; key: ValidateCacheKey }): ValidateResult => {
    reporter.diagnostics(diagnostics);
    const summary = summarize(diagnostics);
    const tooManyWarnings = options.maxWarnings !== undefined && summary.warnings > options.maxWarnings;
    const keep = entry && options.output !== undefined ? keepOutput(root, code, entry, options.output) : {};
    return { ok: summary.errors === 0 && !tooManyWarnings, root, ...rest, diagnostics, summary, tooManyWarnings, ...keep };
  };
  let graph = options.graph;
  let entry: { file: string; key: ValidateCacheKey } | undefined;
  let snapshot: SnapshotReport | undefined;
  if (!graph) {
    contentDir(root);
    if (options.cache) {
      const looked = await lookUp(root, options);
      if (looked.hit) return looked.hit;
      entry = looked.entry;
    }
    reporter.progress('loading content');
    // The cache key has just listed the files and statted them: no second walk.
    const listed = !options.isolate ? [] : (entry?.key.files ?? discoverFiles(root));
    if (options.isolate && !(code && listed.some((f) => f.endsWith('.lab.ts')))) {
      const load = { parseCache: options.cache ?? false, code };
      const oldMb = (typeof options.isolate === 'object' ? options.isolate.oldGenerationMb : undefined) ?? isolateOldMb(entry?.key.markdownBytes ?? markdownBytes(root, listed));
      const r = await loadIsolated(root, { ...load, oldMb }).catch((error: unknown) => {
        // Content that needs more than the cap: load again, uncapped.
        if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return loadIsolated(root, load);
        throw error;
      });
      const counts = { items: r.items, documents: r.documents };
      const kept = entry && (await stillSame(root, code, entry.key)) ? (writeValidateCache(entry.file, entry.key, r), entry) : undefined;
      return finish(r.diagnostics, { files: new Set(r.files), counts, fromCache: false, ...(r.snapshot ? { snapshot: r.snapshot } : {}) }, kept);
    }
    const { loadContent } = await import('@labkit/sdk');
    graph = await loadContent(root, { parseCache: options.cache ?? false, code, snapshot: true, onSnapshot: (r) => (snapshot = r) });
  }
  const counts = { items: graph.items.length, documents: graph.documents.size };
  // Stored only if nothing changed while loading: the key is taken again.
  let kept: typeof entry;
  if (entry && (await stillSame(root, code, entry.key))) {
    writeValidateCache(entry.file, entry.key, { diagnostics: [...graph.diagnostics], files: [...graph.files], ...counts });
    kept = entry;
  }
  return finish(graph.diagnostics, { graph, files: graph.files, counts, fromCache: false, ...(snapshot ? { snapshot } : {}) }, kept);
}

/**
 * The `--cache` entry of `root`: the answer when nothing changed (`hit`),
 * else where a new result goes and under which key (`entry`, none when the
 * folder cannot have one).
 */
async function lookUp(root: string, options: ValidateOptions): Promise<{ hit?: ValidateResult; entry?: { file: string; key: ValidateCacheKey } }> {
  const code = options.code !== false;
  const file = validateCachePath(root, typeof options.cache === 'string' ? options.cache : labkitCacheDir());
  // The `--cache` fast path (validate-hit.ts) has just missed on this very
  // entry in this process: its key stands (taken again before anything is stored).
  const missed = lastMiss;
  lastMiss = undefined;
  if (missed && missed.file === file && missed.code === code && performance.now() - missed.at < 10_000) return { entry: { file, key: missed.key } };
  let stored: StoredValidation | undefined;
  // The entry is read while the files' stats run on the thread pool.
  const key = await validateCacheKey(root, { code, stamps: () => (stored = readValidateCache(file))?.stamps });
  if (key && stored?.key === key.key) {
    const hit = answerFromCache(root, file, stored, key, options);
    if (hit) {
      refreshStamps(file, stored, key);
      return { hit };
    }
  }
  return key === undefined ? {} : { entry: { file, key } };
}

/**
 * The last miss of {@link validateHit} in this process, taken by the next
 * lookUp of the same entry: `lab validate --cache` after an edit misses in
 * the fast path, then runs the command, which would take the same key
 * again (a walk and a stat of every file, ~0.15 s at 2,000 files). Safe
 * whatever changed since: a miss only decides that the content is loaded,
 * and a result is stored only if the key taken after the load is this one.
 */
let lastMiss: { file: string; code: boolean; key: ValidateCacheKey; at: number } | undefined;

/**
 * Only the hit of `validate({ ...options, cache })`: the stored result when
 * nothing changed, else `undefined` (nothing is loaded or stored). For the
 * `lab validate --cache` fast path (validate-hit.ts). Throws as `validate`
 * does for a folder that is not one.
 */
export async function validateHit(options: ValidateOptions & { cache: true | string }): Promise<ValidateResult | undefined> {
  const root = resolve(options.dir);
  contentDir(root);
  const looked = await lookUp(root, options);
  if (looked.entry) lastMiss = { file: looked.entry.file, code: options.code !== false, key: looked.entry.key, at: performance.now() };
  return looked.hit;
}

/**
 * How `lab validate` prints (both the command and the `--cache` fast path):
 * whether in colour, and the key of the kept output that way of printing
 * gives (the printed text depends on it besides the result).
 */
export function printedAs(format: 'pretty' | 'json', colorFlag: boolean, quiet: boolean): { color: boolean; output: string } {
  const color = colorFlag && format === 'pretty' && Boolean(process.stdout.isTTY) && !process.env['NO_COLOR'];
  return { color, output: `${format}-${color ? 'color' : 'plain'}-${quiet ? 'errors' : 'all'}` };
}

/** The lines a pretty `lab validate` ends with: what was checked, and the --max-warnings failure. */
export function closingLines(result: ValidateResult, maxWarnings: number | undefined, pc: { dim(s: string): string; red(s: string): string }): string {
  let text = pc.dim(`Checked ${result.counts.items} item(s), ${result.counts.documents} document(s) in ${result.root}${result.fromCache ? ' (unchanged: cached result)' : ''}.\n`);
  if (result.tooManyWarnings) text += `${pc.red('✗')} ${result.summary.warnings} warning(s), more than --max-warnings ${maxWarnings}.\n`;
  return text;
}

/** Whether the key taken again after a load is the one taken before it. */
async function stillSame(root: string, code: boolean, key: ValidateCacheKey): Promise<boolean> {
  return (await validateCacheKey(root, { code, stamps: key.stamps }))?.key === key.key;
}

function keepOutput(root: string, code: boolean, entry: { file: string; key: ValidateCacheKey }, variant: string): Pick<ValidateResult, 'keepOutput'> {
  return {
    keepOutput: async (text) => {
      if (await stillSame(root, code, entry.key)) writeValidateOutput(entry.file, entry.key.key, variant, text);
    },
  };
}

/**
 * The result of a hit: with `output` and that output kept, the stored head
 * and output only (the diagnostics are read if asked for); else the stored
 * diagnostics. `undefined` when what is beside the head is gone or belongs
 * to another result (a run then loads, as on a miss).
 */
function answerFromCache(root: string, file: string, stored: StoredValidation, key: ValidateCacheKey, options: ValidateOptions): ValidateResult | undefined {
  const { summary } = stored;
  const tooManyWarnings = options.maxWarnings !== undefined && summary.warnings > options.maxWarnings;
  const base = { ok: summary.errors === 0 && !tooManyWarnings, root, counts: { items: stored.items, documents: stored.documents }, fromCache: true, summary, tooManyWarnings };
  const variant = options.reporter ? undefined : options.output;
  const printed = variant === undefined ? undefined : readValidateOutput(file, stored.key, variant);
  if (printed) {
    let result: ReturnType<typeof readValidateResult>;
    const load = () => {
      result ??= readValidateResult(file, stored.key);
      if (!result) throw new Error(`The lab validate --cache entry ${file} changed while it was read: run lab validate again.`);
      return result;
    };
    let files: ReadonlySet<string> | undefined;
    return {
      ...base,
      cachedOutput: printed,
      get diagnostics() {
        return load().diagnostics;
      },
      get files() {
        return (files ??= new Set(load().files));
      },
    };
  }
  const result = readValidateResult(file, stored.key);
  if (!result) return undefined;
  (options.reporter ?? silentReporter).diagnostics(result.diagnostics);
  return { ...base, diagnostics: result.diagnostics, files: new Set(result.files), ...(variant !== undefined ? keepOutput(root, options.code !== false, { file, key }, variant) : {}) };
}

/** The young generation of the isolated load's thread, in MB (see `isolate`). */
export const ISOLATE_YOUNG_MB = 16;

/**
 * The old generation of the isolated load's thread: a base for modules and
 * the model, plus so many MB per MB of Markdown. Without a cap V8 let it
 * grow to 306-422 MB for 173 MB live (1,000 challenges, 11.6 MB of
 * Markdown); with one it collects before it grows: cold peak of the
 * process tree 560 -> 456 MB, 15.4 -> 15.9 s (one pair, load 3). Content
 * that needs more (the worker runs out of memory) is loaded again without
 * the cap, which costs that load twice.
 */
export const ISOLATE_OLD_BASE_MB = 96;
export const ISOLATE_OLD_PER_MARKDOWN_MB = 20;

function isolateOldMb(markdownBytes: number): number {
  return Math.ceil(ISOLATE_OLD_BASE_MB + (ISOLATE_OLD_PER_MARKDOWN_MB * markdownBytes) / 2 ** 20);
}

function markdownBytes(root: string, files: readonly string[]): number {
  let bytes = 0;
  for (const f of files) {
    if (!f.endsWith('.md')) continue;
    try {
      bytes += statSync(join(root, f)).size;
    } catch {
      // the load reports it
    }
  }
  return bytes;
}

/** Runs loadContent on a worker (validate-worker.ts); rejects with the worker's error. */
function loadIsolated(root: string, options: { parseCache: string | boolean; code: boolean; oldMb?: number }): Promise<CachedValidation & { snapshot?: SnapshotReport }> {
  const { oldMb, ...data } = options;
  // From source (the workspace), the worker resolves @labkit/sdk to its
  // sources as bin/lab.js does for this thread; dist/ has validate-worker.js.
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './validate-worker.ts' : './validate-worker.js', import.meta.url);
  return new Promise((resolveResult, reject) => {
    const worker = startWorkerThread(url, {
      workerData: { root, ...data },
      execArgv: workerExecArgv(fromSource ? ['--conditions=labkit-source'] : []),
      resourceLimits: { maxYoungGenerationSizeMb: ISOLATE_YOUNG_MB, ...(oldMb ? { maxOldGenerationSizeMb: oldMb } : {}) },
    });
    let result: (CachedValidation & { snapshot?: SnapshotReport }) | undefined;
    worker.once('message', (m: CachedValidation & { snapshot?: SnapshotReport }) => (result = m));
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolveResult(result) : reject(new Error(`the validate worker stopped (exit code ${code}) without a result`))));
  });
}
