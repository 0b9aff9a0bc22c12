import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The parent's command-line options for a worker thread, plus `extra`.
 *
 * A worker takes Node's options only: started with the parent's
 * `--max-old-space-size=4096` (or any V8 flag) as `execArgv`, Node refuses to
 * start it (ERR_WORKER_INVALID_EXEC_ARGV), so `node --max-old-space-size=4096
 * lab build` used to stop with an internal error on a site big enough for
 * workers. V8 flags are process-wide anyway: the worker runs under them
 * without being passed them. `--eval`/`--print` (and `-e`/`-p` with their
 * code) and `--input-type` describe the parent's entry, not the worker's, and
 * break its start.
 */
export function workerExecArgv(extra: readonly string[] = []): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-e' || a === '-p' || a === '--eval' || a === '--print') {
      i++; // its code
      continue;
    }
    if (/^--(input-type|eval|print)=/.test(a) || a === '--input-type') {
      if (a === '--input-type') i++;
      continue;
    }
    out.push(a);
  }
  return [...out, ...extra];
}

/**
 * `new Worker(url, options)`, except that options of `execArgv` a worker may
 * not take (V8 flags: Node lists them in the error it throws before the
 * thread starts) are left out and the worker started without them.
 */
export function startWorkerThread(url: URL, options: WorkerOptions): Worker {
  let execArgv = options.execArgv;
  for (;;) {
    try {
      return new Worker(url, { ...options, ...(execArgv ? { execArgv } : {}) });
    } catch (error) {
      const refused = refusedFlags(error);
      const kept = execArgv?.filter((a) => !refused.includes(String(a)));
      if (!kept || kept.length === execArgv!.length) throw error;
      execArgv = kept;
    }
  }
}

/** The flags an ERR_WORKER_INVALID_EXEC_ARGV names ("Initiated Worker with invalid execArgv flags: --a, --b"). */
function refusedFlags(error: unknown): string[] {
  if (!(error instanceof Error) || (error as { code?: string }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') return [];
  const at = error.message.indexOf(': ');
  return at < 0 ? [] : error.message.slice(at + 2).split(', ');
}
