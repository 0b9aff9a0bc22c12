import type { Worker } from 'node:worker_threads';
import { startWorkerThread, workerExecArgv } from '@labkit/sdk/light';
import os from 'node:os';
import type { Root } from 'mdast';
import type { RenderedDocument } from '@labkit/sdk';
import type { ResolverTable } from './resolvers.ts';
import type { WorkerReply } from './render-worker.ts';

// Run from src/ (the workspace), the worker is TypeScript and resolves
// @labkit/sdk to its sources like the main thread does (hooks registered with
// module.registerHooks do not reach workers); from dist/ it is plain JS.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './render-worker.ts' : './render-worker.js', import.meta.url);
const WORKER_OPTIONS = FROM_SOURCE ? { execArgv: workerExecArgv(['--conditions=labkit-source']) } : {};

/**
 * Renders documents on worker threads, one per core (Shiki and the hast
 * pipeline are CPU-bound; a 3,000-page build has nothing else to wait on).
 * Only used for large builds: each worker loads the renderer once.
 */
export class RenderPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, { resolve: (r: { result: RenderedDocument; deps: Array<['asset' | 'card' | 'link', string, string]> }) => void; reject: (e: Error) => void }>();
  #next = 0;

  constructor(table: ResolverTable, size = Math.max(1, Math.min(os.availableParallelism(), 4))) {
    for (let i = 0; i < size; i++) {
      const w = startWorkerThread(WORKER_URL, WORKER_OPTIONS);
      w.postMessage({ type: 'table', table });
      w.on('message', (msg: WorkerReply) => {
        const p = this.#pending.get(msg.id);
        if (!p) return;
        this.#pending.delete(msg.id);
        if (msg.error !== undefined || !msg.result) p.reject(new Error(`render worker: ${msg.error}`));
        else p.resolve({ result: msg.result, deps: msg.deps ?? [] });
      });
      w.on('error', (error) => {
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
      });
      this.#workers.push(w);
    }
  }

  render(file: string, mdast: Root, preview: boolean): Promise<{ result: RenderedDocument; deps: Array<['asset' | 'card' | 'link', string, string]> }> {
    const id = this.#next++;
    const worker = this.#workers[id % this.#workers.length]!;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, file, mdast, preview });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }
}
