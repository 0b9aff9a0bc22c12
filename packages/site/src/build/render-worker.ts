import { parentPort } from 'node:worker_threads';
import { renderDocument, type RenderedDocument } from '@labkit/sdk';
import type { Root } from 'mdast';
import { resolversFor, type ResolverTable } from './resolvers.ts';

/**
 * A render worker: renders documents with the same renderer and the same
 * table-driven lookups as the main thread, recording what each render
 * looked up (the render cache's validity key).
 */
export interface WorkerJob {
  id: number;
  file: string;
  mdast: Root;
  preview: boolean;
}
export type WorkerInit = { type: 'table'; table: ResolverTable };
export type WorkerReply = { id: number; result?: RenderedDocument; deps?: Array<['asset' | 'card' | 'link', string, string]>; error?: string };

let table: ResolverTable | undefined;

parentPort!.on('message', async (msg: WorkerInit | WorkerJob) => {
  if ('type' in msg) {
    table = msg.table;
    return;
  }
  try {
    const deps: Array<['asset' | 'card' | 'link', string, string]> = [];
    const r = resolversFor(table!, msg.file);
    const result = await renderDocument(msg.mdast, {
      preview: msg.preview,
      resolveAsset: (src) => {
        const out = r.resolveAsset(src);
        deps.push(['asset', src, JSON.stringify(out ?? null)]);
        return out;
      },
      resolveCard: (ref) => {
        const out = r.resolveCard(ref);
        deps.push(['card', JSON.stringify(ref), JSON.stringify(out ?? null)]);
        return out;
      },
      resolveLink: (href) => {
        const out = r.resolveLink(href);
        deps.push(['link', href, JSON.stringify(out ?? null)]);
        return out;
      },
    });
    parentPort!.postMessage({ id: msg.id, result, deps } satisfies WorkerReply);
  } catch (error) {
    parentPort!.postMessage({ id: msg.id, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies WorkerReply);
  }
});
