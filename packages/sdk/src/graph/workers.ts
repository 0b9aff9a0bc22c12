import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseDocument, type ParsedDocument } from '../parse/parse-document.ts';

/** One file to parse. */
export interface ParseJob {
  file: string;
  source: string;
}

let parsedFiles = 0;
/** Files parsed by {@link parseInThreads} in this process (tests prove cache hits with it). */
export function parsedFileCount(): number {
  return parsedFiles;
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

/**
 * Parses files on `threads` threads: the main thread takes one contiguous
 * batch, each worker another (one message each way, so the structured
 * clone of the mdast is paid once per batch). Results keep input order.
 */
export async function parseInThreads(jobs: readonly ParseJob[], threads: number): Promise<ParsedDocument[]> {
  parsedFiles += jobs.length;
  if (threads <= 1 || jobs.length < 2) return jobs.map((j) => parseDocument(j.source, { file: j.file }));
  const size = Math.ceil(jobs.length / threads);
  const batches = Array.from({ length: threads }, (_, i) => jobs.slice(i * size, (i + 1) * size)).filter((b) => b.length);
  // dist/ holds parse-worker.js; the workspace runs parse-worker.ts from src/.
  const url = new URL(import.meta.url.endsWith('.ts') ? './parse-worker.ts' : './parse-worker.js', import.meta.url);
  const pending = batches.slice(1).map(
    (batch) =>
      new Promise<ParsedDocument[]>((resolveBatch, reject) => {
        const worker = new Worker(url, { workerData: batch });
        worker.once('message', (docs: ParsedDocument[]) => {
          resolveBatch(docs);
          void worker.terminate();
        });
        worker.once('error', reject);
        worker.once('exit', (code) => {
          if (code !== 0 && code !== 1) reject(new Error(`parse worker exited with code ${code}`));
        });
      }),
  );
  // Workers start while the main thread parses the first batch.
  const mine = (batches[0] ?? []).map((j) => parseDocument(j.source, { file: j.file }));
  return mine.concat(...(await Promise.all(pending)));
}
