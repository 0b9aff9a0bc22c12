// Worker entry of validate({ isolate: true }) (validate.ts): loads the
// content graph on this thread, whose young generation is capped, and posts
// back only what the CLI prints: the diagnostics, the listed files and the
// counts. The graph and the parser's garbage stay in this thread's heap and
// go when it ends. The graph's documents keep only the part of each mdast
// the rules read (`trees: 'rules'`): nothing here renders.
import { parentPort, workerData } from 'node:worker_threads';
import { loadContent } from '@labkit/sdk';

const { root, parseCache, code } = workerData as { root: string; parseCache: string | boolean; code: boolean };
const graph = await loadContent(root, { parseCache, code, trees: 'rules' });
parentPort!.postMessage({ diagnostics: graph.diagnostics, files: [...graph.files], items: graph.items.length, documents: graph.documents.size });
