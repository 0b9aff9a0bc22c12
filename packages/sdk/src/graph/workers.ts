import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { FILE_START } from '../diagnostics/diagnostic.ts';
import { diagnostic } from '../diagnostics/reporter.ts';
import { limitedDocument, parseDocument, type ParsedDocument } from '../parse/parse-document.ts';
import { contentLimits, estimateParseMs } from '../parse/limits.ts';
import { ruleTree } from '../validate/rule-tree.ts';
import { AUTO_WORKERS_MIN_FILES, park, startWorker, takeSpare } from './parse-pool.ts';

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

export { AUTO_WORKERS_MIN_FILES, parseWorkerStarts } from './parse-pool.ts';


/**
 * Text that makes a load big enough for threads whatever its file count:
 * 1 MiB is ~16 real 62 KB tutorials, 1.6-3 s of parsing on one thread.
 */
export const AUTO_WORKERS_MIN_CHARS = 1024 * 1024;

/** Threads to use for `workers` (`'auto'`: one per core, only for big loads: many files, or much text). */
export function threadCount(workers: number | 'auto' | undefined, files: number, chars = 0): number {
  if (workers === undefined || workers === 'auto') {
    return files >= AUTO_WORKERS_MIN_FILES || (files > 1 && chars >= AUTO_WORKERS_MIN_CHARS) ? Math.min(availableParallelism(), 4) : 1;
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
 * Ordinary files parse on the main thread; files whose worst-case estimate
 * (`estimateParseMs`) is over `inPlaceBudgetMs`, or that are longer than
 * `guardAboveChars`, go to the guarded pool: each worker has a capped heap,
 * takes the next file of the pool's list, posts its result, and so on; a
 * watchdog ends a worker whose current file takes longer than `timeoutMs`.
 * That file (or one that ran a worker out of memory) gets a
 * `lab:content-limit` error and an empty body; a new worker takes the rest.
 * Remark's parsers are superlinear on some inputs, so this is what keeps one
 * hostile file from stalling a run.
 *
 * On big loads (`threads` > 1) the pool's list holds every file, risky ones
 * first, and the main thread takes ordinary files from its end while the
 * workers take them from its start, each file claimed once in shared memory,
 * until they meet: the threads finish together however fast each one is
 * (a fixed split left one idle for seconds while the other, slower from
 * its garbage collection or later start, went on).
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
  // Characters on each side: the split below gives workers to the side that holds most of the text.
  let guardedChars = 0;
  let inPlaceChars = 0;
  jobs.forEach((j, i) => {
    if (risky(j.source)) {
      guarded.push(i);
      guardedChars += j.source.length;
    } else {
      inPlace.push(i);
      inPlaceChars += j.source.length;
    }
  });
  let mine = inPlace;
  let pooled = guarded;
  let poolSize = 1;
  // With `shared`, positions from `guarded.length` on may be taken by this thread too.
  let stealFrom = Number.POSITIVE_INFINITY;
  if (threads > 1 && jobs.length >= 2) {
    mine = [];
    pooled = guarded.concat(inPlace);
    // This thread may take only the files that parse in place. When the
    // guarded ones are most of the text (real tutorials of 40-64 KB are
    // estimated over the in-place budget), it would idle while one worker
    // parsed them all: a worker per thread then (300 real tutorials, cold:
    // one core busy for 22 s before this).
    poolSize = Math.max(1, guardedChars > inPlaceChars ? threads : threads - 1);
    stealFrom = guarded.length;
  }
  const pool = pooled.length > 0 ? runGuarded(pooled.map((i) => jobs[i]!), Math.min(poolSize, pooled.length), guard, trees) : undefined;
  // Yield now and then so the pool's watchdog and messages run meanwhile.
  let slice = performance.now();
  const pause = async (): Promise<void> => {
    if (pool && performance.now() - slice > 20) {
      await new Promise((r) => setImmediate(r));
      slice = performance.now();
    }
  };
  for (const i of mine) {
    results[i] = parseJob(jobs[i]!, trees);
    await pause();
  }
  if (pool) {
    // From the end of the pool's list down, while no worker has claimed the file.
    for (let k = pooled.length - 1; k >= stealFrom && pool.claim(k); k--) {
      results[pooled[k]!] = parseJob(jobs[pooled[k]!]!, trees);
      await pause();
    }
    const docs = await pool.done;
    pooled.forEach((i, k) => (results[i] ??= docs[k]!));
  }
  return results;
}

/** Jobs claimed in shared memory: 0 free, 1 a worker's, 2 the main thread's. */
const BY_WORKER = 1;
const BY_MAIN = 2;

/** A running pool: `claim(k)` takes job `k` for the caller's thread; `done` has the workers' results (a job the caller claimed stays empty). */
interface Pool {
  claim(k: number): boolean;
  done: Promise<ParsedDocument[]>;
}

/** Runs `jobs` on `size` guarded workers, which take them in order; each result lands at its job's index. */
function runGuarded(jobs: readonly ParseJob[], size: number, guard: ParseGuard, trees: TreeKeep): Pool {
  const timeoutMs = guard.timeoutMs ?? contentLimits.timeoutMs;
  const heapMb = guard.heapMb ?? contentLimits.workerHeapMb;
  const results = new Array<ParsedDocument>(jobs.length);
  // [0]: the next position a worker looks at; [1 + w]: the job worker slot w is parsing (-1: none).
  const cursor = new Int32Array(new SharedArrayBuffer(4 * (1 + size)));
  const claims = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, jobs.length)));
  const claim = (k: number): boolean => Atomics.compareExchange(claims, k, 0, BY_MAIN) === 0;
  const all = new Promise<ParsedDocument[]>((resolveAll) => {
    let running = 0;
    const failed = (index: number, message: string): void => {
      const job = jobs[index]!;
      results[index] = limitedDocument(job.file, job.source, [diagnostic('lab:content-limit', job.file, FILE_START, message)]);
    };
    // Jobs a worker took but whose result never came (it was ended between
    // two files): taken again by a new pool, once every worker has stopped.
    const settle = (): void => {
      const lost: number[] = [];
      for (let k = 0; k < jobs.length; k++) if (results[k] === undefined && claims[k] !== BY_MAIN) lost.push(k);
      if (lost.length === 0) return resolveAll(results);
      const again = runGuarded(
        lost.map((k) => jobs[k]!),
        1,
        guard,
        trees,
      );
      void again.done.then((docs) => {
        lost.forEach((k, i) => (results[k] = docs[i]!));
        resolveAll(results);
      });
    };
    const start = (slot: number): void => {
      running++;
      Atomics.store(cursor, 1 + slot, -1);
      let sinceCpu = 0; // the worker's CPU time (µs) when its current file started
      let sinceAt = Number.POSITIVE_INFINITY; // and the wall clock
      let done = false;
      let checking = false;
      let ready = false;
      const worker = takeSpare(heapMb) ?? startWorker(heapMb);
      // This run's listeners, taken off again before the worker is kept warm.
      const attached: Array<[string, WorkerListener]> = [];
      const listen = (event: 'message' | 'error' | 'exit', fn: WorkerListener): void => {
        worker.on(event, fn);
        attached.push([event, fn]);
      };
      /** The job this worker was parsing when it stopped, if its result is not in. */
      const current = (): number | undefined => {
        const k = Atomics.load(cursor, 1 + slot);
        return k >= 0 && results[k] === undefined ? k : undefined;
      };
      // `clean`: the worker went through the list and may be kept warm; `more`: start another in its slot.
      const finish = (clean: boolean, more: boolean): void => {
        if (done) return;
        done = true;
        clearInterval(watchdog);
        for (const [event, fn] of attached) worker.off(event, fn);
        if (clean) park(worker, heapMb);
        else void worker.terminate();
        running--;
        if (more && Atomics.load(cursor, 0) < jobs.length) start(slot);
        else if (running === 0) settle();
      };
      const timedOut = (): void => {
        const k = current();
        if (k !== undefined) failed(k, `This file took over ${timeoutMs / 1000} s to parse, so Labkit stopped (the limit is ${timeoutMs / 1000} s of CPU time per file); it is skipped. Long runs of brackets, backticks or table cells are the usual cause.`);
        finish(false, true);
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
      listen('message', (m: ParseReply) => {
        if (done) return;
        sinceCpu = m.cpu;
        sinceAt = m.at;
        if (m.ready) {
          ready = true;
          return;
        }
        if (m.end) return finish(true, false);
        results[m.index!] = m.doc!;
      });
      // A worker that cannot start at all (an odd embedding): parse in place
      // rather than fail every file; the limits on size and nesting still hold.
      const inPlace = (): void => {
        for (let k = nextJob(cursor, claims, jobs.length); k >= 0; k = nextJob(cursor, claims, jobs.length)) results[k] = parseJob(jobs[k]!, trees);
        finish(false, false);
      };
      listen('error', (error: Error & { code?: string }) => {
        if (done) return;
        if (!ready) return inPlace();
        const k = current();
        if (k !== undefined) {
          const memory = error.code === 'ERR_WORKER_OUT_OF_MEMORY' || /heap|memory/i.test(error.message);
          failed(
            k,
            memory
              ? `Parsing this file needed more than ${heapMb} MB of memory, so Labkit stopped (the limit is ${heapMb} MB per file); it is skipped.`
              : `The parser failed on this file (${error.message.split('\n')[0]}); it is skipped.`,
          );
        }
        finish(false, true);
      });
      listen('exit', (code: number) => {
        if (done) return;
        if (!ready) return inPlace();
        const k = current();
        if (k !== undefined) failed(k, `The parse worker stopped on this file (exit code ${code}); it is skipped.`);
        finish(false, true);
      });
      worker.postMessage({ jobs, trees, cursor, claims, slot } satisfies ParseRequest);
    };
    for (let slot = 0; slot < size; slot++) start(slot);
  });
  return { claim, done: all };
}

/**
 * A worker's side of {@link runGuarded}: takes the next position from
 * `cursor[0]`, claims that job (a job the main thread claimed ends the list:
 * it takes them from the end), records it as its current one, parses it and
 * posts the result; posts `end` when the list is through.
 */
export function workThrough({ jobs, trees, cursor, claims, slot }: ParseRequest, post: (reply: ParseReply) => void, cpu: () => number): void {
  post({ ready: true, cpu: cpu(), at: Date.now() });
  for (let k = nextJob(cursor, claims, jobs.length); k >= 0; k = nextJob(cursor, claims, jobs.length)) {
    Atomics.store(cursor, 1 + slot, k);
    const doc = parseJob(jobs[k]!, trees);
    post({ index: k, doc, cpu: cpu(), at: Date.now() });
  }
  Atomics.store(cursor, 1 + slot, -1);
  post({ end: true, cpu: cpu(), at: Date.now() });
}

/**
 * A worker thread's next job: the next position of `cursor[0]`, claimed for
 * a worker; -1 when the list is through or that job is the main thread's
 * (it claims from the end, so the threads have met).
 */
function nextJob(cursor: Int32Array, claims: Int32Array, total: number): number {
  const k = Atomics.add(cursor, 0, 1);
  return k < total && Atomics.compareExchange(claims, k, 0, BY_WORKER) === 0 ? k : -1;
}

type WorkerListener = Parameters<Worker['off']>[1];

/** One message to a parse worker (parse-worker.ts): the whole list, shared with the other threads. */
export interface ParseRequest {
  jobs: readonly ParseJob[];
  trees: TreeKeep;
  /** `[0]`: the next position to look at; `[1 + slot]`: this worker's current job. */
  cursor: Int32Array;
  /** Per job: 0 free, 1 taken by a worker, 2 by the main thread. */
  claims: Int32Array;
  slot: number;
}

/** One message from a parse worker, with its thread's CPU time (µs) and the wall clock then. */
export interface ParseReply {
  ready?: boolean;
  end?: boolean;
  index?: number;
  doc?: ParsedDocument;
  cpu: number;
  at: number;
}
