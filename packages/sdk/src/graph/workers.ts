import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FILE_START } from '../diagnostics/diagnostic.ts';
import { diagnostic } from '../diagnostics/reporter.ts';
import { limitedDocument, parseDocument, type ParsedDocument } from '../parse/parse-document.ts';
import { contentLimits, estimateParseMs } from '../parse/limits.ts';
import { ruleTree } from '../validate/rule-tree.ts';

/** One file to parse. */
export interface ParseJob {
  file: string;
  source: string;
}

/**
 * What each parse result keeps of its mdast: `'full'`, the whole tree;
 * `'rules'`, only the part the rules read ({@link ruleTree}), for a load
 * that validates and renders nothing (`lab validate`).
 */
export type TreeKeep = 'full' | 'rules';

/** Parses one job, keeping `trees` of its mdast (the whole tree is garbage at once otherwise). */
export function parseJob(job: ParseJob, trees: TreeKeep): ParsedDocument {
  const doc = parseDocument(job.source, { file: job.file });
  return trees === 'rules' ? { ...doc, mdast: ruleTree(doc.mdast) } : doc;
}

let parsedFiles = 0;
/** Files parsed by {@link parseInThreads} in this process (tests prove cache hits with it). */
export function parsedFileCount(): number {
  return parsedFiles;
}

let workerStarts = 0;
/** Guarded parse workers started in this process (tests prove the warm worker is reused with it). */
export function parseWorkerStarts(): number {
  return workerStarts;
}

/**
 * One guarded worker kept warm between runs (a save in lab dev parses one
 * file: starting a thread and loading remark for it cost more than the
 * parse). Only a worker that finished its whole list cleanly is kept; one
 * that hit a limit is ended. It is unref'd, so it never keeps a process up.
 */
let spare: { worker: Worker; heapMb: number; drop: () => void } | undefined;

function takeSpare(heapMb: number): Worker | undefined {
  const kept = spare;
  if (!kept || kept.heapMb !== heapMb) return undefined;
  spare = undefined;
  kept.worker.off('error', kept.drop).off('exit', kept.drop);
  return kept.worker;
}

function park(worker: Worker, heapMb: number): void {
  if (spare) {
    void worker.terminate();
    return;
  }
  const kept = {
    worker,
    heapMb,
    drop: (): void => {
      if (spare === kept) spare = undefined;
    },
  };
  worker.on('error', kept.drop).on('exit', kept.drop);
  spare = kept;
}

/** Below this many files, starting workers costs more than it saves. */
export const AUTO_WORKERS_MIN_FILES = 200;

/** Threads to use for `workers` (`'auto'`: one per core, only for big loads). */
export function threadCount(workers: number | 'auto' | undefined, files: number): number {
  if (workers === undefined || workers === 'auto') {
    return files >= AUTO_WORKERS_MIN_FILES ? Math.min(availableParallelism(), 4) : 1;
  }
  return Math.max(1, Math.min(Math.floor(workers), files));
}

/** Limits of the guarded parse (defaults: `contentLimits`). */
export interface ParseGuard {
  /** Wall-clock time one file may take in a worker. */
  timeoutMs?: number;
  /** Old-generation heap of each worker, in MB. */
  heapMb?: number;
  /** Files longer than this parse in a worker, never on the main thread. */
  guardAboveChars?: number;
  /** Files whose worst-case estimate is over this many ms parse in a worker. */
  inPlaceBudgetMs?: number;
}

/**
 * Parses files on `threads` threads; results keep input order.
 *
 * Ordinary files parse on the main thread, as before; files whose
 * worst-case estimate (`estimateParseMs`) is over `inPlaceBudgetMs`, or
 * that are longer than `guardAboveChars` (and, on big loads, the workers'
 * share of the rest) go to the guarded pool: each worker has a capped heap and parses its list in
 * order, posting each result, and a watchdog ends a worker whose current
 * file takes longer than `timeoutMs`. That file (or one that ran a worker
 * out of memory) gets a `lab:content-limit` error and an empty body; a new
 * worker takes the rest. Remark's parsers are superlinear on some inputs,
 * so this is what keeps one hostile file from stalling a run.
 */
export async function parseInThreads(jobs: readonly ParseJob[], threads: number, guard: ParseGuard = {}, trees: TreeKeep = 'full'): Promise<ParsedDocument[]> {
  parsedFiles += jobs.length;
  const above = guard.guardAboveChars ?? contentLimits.guardAboveChars;
  const budget = guard.inPlaceBudgetMs ?? contentLimits.inPlaceBudgetMs;
  const results = new Array<ParsedDocument>(jobs.length);
  const inPlace: number[] = [];
  const guarded: number[] = [];
  // Over the size limit: parseDocument refuses it at once, in place.
  const risky = (src: string): boolean => src.length <= contentLimits.maxChars && (src.length > above || estimateParseMs(src) > budget);
  jobs.forEach((j, i) => (risky(j.source) ? guarded : inPlace).push(i));
  let mine = inPlace;
  let pooled = guarded;
  let poolSize = 1;
  if (threads > 1 && jobs.length >= 2) {
    // Big loads: the main thread keeps small files up to its share of the
    // characters (parse time follows size), the workers take the rest and
    // every big file.
    let total = 0;
    for (const j of jobs) total += j.source.length;
    const share = total / threads;
    let taken = 0;
    let k = 0;
    while (k < inPlace.length && taken < share) taken += jobs[inPlace[k++]!]!.source.length;
    mine = inPlace.slice(0, k);
    pooled = guarded.concat(inPlace.slice(k));
    // The main thread counts as a thread only when it has its share to do.
    poolSize = taken * threads >= total ? threads - 1 : threads;
  }
  const pending = pooled.length > 0 ? runGuarded(pooled.map((i) => jobs[i]!), Math.min(poolSize, pooled.length), guard, trees) : Promise.resolve([]);
  // Yield now and then so the pool's watchdog and messages run meanwhile.
  let slice = performance.now();
  for (const i of mine) {
    results[i] = parseJob(jobs[i]!, trees);
    if (pooled.length > 0 && performance.now() - slice > 20) {
      await new Promise((r) => setImmediate(r));
      slice = performance.now();
    }
  }
  const docs = await pending;
  pooled.forEach((i, k) => (results[i] = docs[k]!));
  return results;
}

/** Runs `jobs` on `size` guarded workers; each result lands at its job's index. */
function runGuarded(jobs: readonly ParseJob[], size: number, guard: ParseGuard, trees: TreeKeep): Promise<ParsedDocument[]> {
  const timeoutMs = guard.timeoutMs ?? contentLimits.timeoutMs;
  const heapMb = guard.heapMb ?? contentLimits.workerHeapMb;
  // dist/ holds parse-worker.js; the workspace runs parse-worker.ts from src/.
  const url = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
  const results = new Array<ParsedDocument>(jobs.length);
  const per = Math.ceil(jobs.length / size);
  const lists = Array.from({ length: size }, (_, w) => Array.from({ length: Math.max(0, Math.min(per, jobs.length - w * per)) }, (_, k) => w * per + k)).filter((l) => l.length);
  return new Promise((resolveAll) => {
    let running = 0;
    const failed = (index: number, message: string): void => {
      const job = jobs[index]!;
      results[index] = limitedDocument(job.file, job.source, [diagnostic('lab:content-limit', job.file, FILE_START, message)]);
    };
    const start = (list: number[]): void => {
      if (list.length === 0) {
        if (running === 0) resolveAll(results);
        return;
      }
      running++;
      let next = 0; // position in `list` of the file being parsed
      let sinceCpu = 0; // the worker's CPU time (µs) when that file started
      let sinceAt = Number.POSITIVE_INFINITY; // and the wall clock
      let done = false;
      let checking = false;
      let ready = false;
      const worker = takeSpare(heapMb) ?? startWorker(url, heapMb);
      // This run's listeners, taken off again before the worker is kept warm.
      const attached: Array<[string, WorkerListener]> = [];
      const listen = (event: 'message' | 'error' | 'exit', fn: WorkerListener): void => {
        worker.on(event, fn);
        attached.push([event, fn]);
      };
      // `clean`: the worker parsed its whole list and may be kept warm.
      const finish = (rest: number[] | undefined, clean = false): void => {
        if (done) return;
        done = true;
        clearInterval(watchdog);
        for (const [event, fn] of attached) worker.off(event, fn);
        if (clean) park(worker, heapMb);
        else void worker.terminate();
        running--;
        if (rest) start(rest);
        else if (running === 0) resolveAll(results);
      };
      const timedOut = (): void => {
        failed(list[next]!, `This file took over ${timeoutMs / 1000} s to parse, so Labkit stopped (the limit is ${timeoutMs / 1000} s of CPU time per file); it is skipped. Long runs of brackets, backticks or table cells are the usual cause.`);
        finish(list.slice(next + 1));
      };
      // A file over its time: end the worker, report the file, go on with
      // the rest. Time is the worker thread's CPU time, so a machine busy
      // with other work does not fail good files; the wall clock is only a
      // backstop (ten times the limit).
      const watchdog = setInterval(() => {
        if (done || checking || sinceAt === Number.POSITIVE_INFINITY) return;
        if (Date.now() - sinceAt > timeoutMs * 10) return timedOut();
        checking = true;
        worker.cpuUsage().then(
          (u) => {
            checking = false;
            if (!done && (u.user + u.system - sinceCpu) / 1000 > timeoutMs) timedOut();
          },
          () => (checking = false),
        );
      }, Math.min(100, timeoutMs / 4));
      listen('message', (m: { ready?: boolean; index?: number; doc?: ParsedDocument; cpu: number; at: number }) => {
        if (done) return;
        sinceCpu = m.cpu;
        sinceAt = m.at;
        if (m.ready) {
          ready = true;
          return;
        }
        results[list[m.index!]!] = m.doc!;
        next = m.index! + 1;
        if (next >= list.length) finish(undefined, true);
      });
      // A worker that cannot start at all (an odd embedding): parse in place
      // rather than fail every file; the limits on size and nesting still hold.
      const inPlace = (): void => {
        for (const i of list.slice(next)) results[i] = parseJob(jobs[i]!, trees);
        next = list.length;
        finish(undefined);
      };
      listen('error', (error: Error & { code?: string }) => {
        if (done) return;
        if (!ready) return inPlace();
        if (next >= list.length) return finish(undefined);
        const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY' || /heap|memory/i.test(error.message);
        failed(
          list[next]!,
          memory
            ? `Parsing this file needed more than ${heapMb} MB of memory, so Labkit stopped (the limit is ${heapMb} MB per file); it is skipped.`
            : `The parser failed on this file (${error.message.split('\n')[0]}); it is skipped.`,
        );
        finish(list.slice(next + 1));
      });
      listen('exit', (code: number) => {
        if (done) return;
        if (!ready) return inPlace();
        if (next < list.length) {
          failed(list[next]!, `The parse worker stopped on this file (exit code ${code}); it is skipped.`);
          finish(list.slice(next + 1));
        } else finish(undefined);
      });
      worker.postMessage({ jobs: list.map((i) => jobs[i]!), trees } satisfies ParseRequest);
    };
    for (const list of lists) start(list);
  });
}

type WorkerListener = Parameters<Worker['off']>[1];

/** One message to a parse worker (parse-worker.ts). */
export interface ParseRequest {
  jobs: ParseJob[];
  trees: TreeKeep;
}

function startWorker(url: URL, heapMb: number): Worker {
  workerStarts++;
  const worker = new Worker(url, {
    // Not the parent's --input-type / --eval flags: they break a worker's start.
    execArgv: process.execArgv.filter((a) => !/^--(input-type|eval|print)\b/.test(a)),
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
  });
  worker.unref();
  return worker;
}
