// The parse workers' threads themselves, apart from what they parse
// (workers.ts): starting one, and the one kept warm. No parser in its
// imports.
import type { Worker } from 'node:worker_threads';
import { startWorkerThread, workerExecArgv } from './worker-thread.ts';

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

/** The warm worker, if it has `heapMb` (no longer kept: the caller owns it). */
export function takeSpare(heapMb: number): Worker | undefined {
  const kept = spare;
  if (!kept || kept.heapMb !== heapMb) return undefined;
  spare = undefined;
  kept.worker.off('error', kept.drop).off('exit', kept.drop);
  return kept.worker;
}

/** Keeps `worker` warm, or ends it when one is kept already. */
export function park(worker: Worker, heapMb: number): void {
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

/** Starts a guarded parse worker (parse-worker.ts) with `heapMb` of old generation. */
export function startWorker(heapMb: number): Worker {
  workerStarts++;
  // dist/ holds parse-worker.js; the workspace runs parse-worker.ts from src/.
  const url = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
  const worker = startWorkerThread(url, {
    execArgv: workerExecArgv(),
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
  });
  worker.unref();
  return worker;
}

/** Below this many files, starting workers costs more than it saves. */
export const AUTO_WORKERS_MIN_FILES = 200;
