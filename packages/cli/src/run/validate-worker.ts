// Worker entry of validate({ isolate: true }) (validate.ts): loads the
// content graph on this thread, whose young generation is capped, and posts
// back only what the CLI prints: the diagnostics, the listed files and the
// counts. The graph and the parser's garbage stay in this thread's heap and
// go when it ends. The graph's documents keep only the part of each mdast
// the rules read (`trees: 'rules'`): nothing here renders.
import { parentPort, workerData } from 'node:worker_threads';
import { warmParseWorker } from '@labkit/sdk/light';

const { root, parseCache, code, markdownFiles } = workerData as { root: string; parseCache: string | boolean; code: boolean; markdownFiles: number };
// A cold load of many files parses on a worker too: start it before this
// thread loads the SDK (a second of module loading from source under load),
// so the two start side by side and the worker is ready when the parse
// begins. With a parse cache most files may come from the pack: no warm start.
if (parseCache === false) warmParseWorker(markdownFiles);
const { loadContent } = await import('@labkit/sdk');
const graph = await loadContent(root, { parseCache, code, trees: 'rules' });
parentPort!.postMessage({ diagnostics: graph.diagnostics, files: [...graph.files], items: graph.items.length, documents: graph.documents.size });
