import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParsedDocument } from '../parse/parse-document.ts';

/** One file to parse. */
export interface ParseJob {
  file: string;
  source: string;
}

/**
 * Parses files in worker threads, in contiguous batches (one message per
 * worker each way) so the structured-clone cost is paid once per batch.
 * Results come back in input order.
 */
export async function parseInWorkers(jobs: readonly ParseJob[], count?: number): Promise<ParsedDocument[]> {
  const n = Math.max(1, Math.min(count ?? availableParallelism(), jobs.length));
  const size = Math.ceil(jobs.length / n);
  const url = new URL('./parse-worker.ts', import.meta.url);
  const batches = Array.from({ length: n }, (_, i) => jobs.slice(i * size, (i + 1) * size));
  const results = await Promise.all(
    batches.map(
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
    ),
  );
  return results.flat();
}
