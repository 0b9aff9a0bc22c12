// Worker entry of validate({ isolate: true }) (validate.ts): loads the
// content graph on this thread, whose young generation is capped, and posts
// back only what the CLI prints: the diagnostics, the listed files and the
// counts. The graph and the parser's garbage stay in this thread's heap and
// go when it ends. The graph's documents keep only the part of each mdast
// the rules read (`trees: 'rules'`): nothing here renders. With a parse
// cache (`--cache`) the load also goes through the graph snapshot, shared
// with `lab build`: after an edit only the changed files are parsed and
// only the items they touch are checked again.
import { parentPort, workerData } from 'node:worker_threads';
import { loadContent, type SnapshotReport } from '@labkit/sdk';

const { root, parseCache, code } = workerData as { root: string; parseCache: string | boolean; code: boolean };
let snapshot: SnapshotReport | undefined;
const graph = await loadContent(root, { parseCache, code, trees: 'rules', snapshot: true, onSnapshot: (r) => (snapshot = r) });
parentPort!.postMessage({ diagnostics: graph.diagnostics, files: [...graph.files], items: graph.items.length, documents: graph.documents.size, ...(snapshot ? { snapshot } : {}) });
