// Which modules a Node process loads, thread by thread: tests of what a
// command pulls in (the bundled CLI, a `--cache` hit, an installed `lab`).
import { readFileSync } from 'node:fs';

/**
 * An `--import` URL that records every module URL each thread of the
 * process loads, a line each ("<threadId> <url>"), appended at once to the
 * file named by the MODULE_LOG environment variable: a worker that is
 * terminated, or a process that exits early, still leaves its lines.
 */
export const RECORD_MODULES = `data:text/javascript,${encodeURIComponent(
  [
    "import { registerHooks } from 'node:module';",
    "import { appendFileSync } from 'node:fs';",
    "import { threadId } from 'node:worker_threads';",
    "registerHooks({ load(url, context, next) { appendFileSync(process.env.MODULE_LOG, threadId + ' ' + url + '\\n'); return next(url, context); } });",
  ].join('\n'),
)}`;

/** A MODULE_LOG file read back: the main thread's module URLs and each worker thread's, by thread id. */
export function readModuleLog(file: string): { main: string[]; workers: Map<number, string[]> } {
  const main: string[] = [];
  const workers = new Map<number, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const at = line.indexOf(' ');
    const thread = Number(line.slice(0, at));
    const url = line.slice(at + 1);
    if (thread === 0) main.push(url);
    else workers.set(thread, [...(workers.get(thread) ?? []), url]);
  }
  return { main, workers };
}
