// bench/dev-reload/save-phases.ts: where a `lab dev` save of the real iximiuz
// sample tutorial goes on the server, without a browser (run.ts --sample
// times the whole save in Chromium; this splits the server's part). The
// site preview backend of `lab dev` over a temp folder (the sample's
// index.md copied, its __static__ files symlinked, read in place from
// ../shared/corpus); each edit appends a paragraph and is timed through:
//   updateFiles   the SDK store: read, parse (the blocks around the change,
//                 parse/incremental.ts; the whole file in the guarded
//                 worker with LABKIT_REPARSE=0), rules
//   pages         derive the site model, rebuild the page models (renders the changed document)
//   page HTML     the edited page's full HTML (the shell around the document)
// plus parseDocument of the edited text on this thread (the parse alone),
// against reparseDocument from the previous parse (an edit at the end and one in the middle)
// and, in the same process, renderDocument of the tutorial with its figures
// serialized into the tree (as before 107c4d7) and spliced in (now).
//
//   node bench/dev-reload/save-phases.ts [--edits 20]
//   LABKIT_REPARSE=0 node bench/dev-reload/save-phases.ts   (whole-file parse on every save: the before)
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

// Against the sources, not the SDK's dist/ (see run.ts).
if (!process.execArgv.includes('--conditions=labkit-source')) {
  const again = spawnSync(process.execPath, ['--conditions=labkit-source', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}

const { values } = parseArgs({ options: { edits: { type: 'string', default: '20' } } });
const EDITS = Number(values.edits);
const repo = path.join(import.meta.dirname, '../..');
const { ContentStore, parseDocument } = (await import(path.join(repo, 'packages/sdk/src/index.ts'))) as typeof import('../../packages/sdk/src/index.ts');
const { reparseDocument } = (await import(path.join(repo, 'packages/sdk/src/parse/incremental.ts'))) as typeof import('../../packages/sdk/src/parse/incremental.ts');
const { renderDocumentAs } = (await import(path.join(repo, 'packages/sdk/src/render/render-document.ts'))) as typeof import('../../packages/sdk/src/render/render-document.ts');
const { createSitePreviewBackend } = (await import(path.join(repo, 'packages/site/src/dev/site-preview-backend.ts'))) as typeof import('../../packages/site/src/dev/site-preview-backend.ts');

const SAMPLE_DIR = path.resolve(repo, '../shared/corpus/iximiuz-samples/sample-tutorial');
const root = await mkdtemp(path.join(tmpdir(), 'lab-bench-save-'));
const into = path.join(root, 'tutorials/sample-tutorial');
await mkdir(path.join(into, '__static__'), { recursive: true });
for (const f of await readdir(path.join(SAMPLE_DIR, '__static__'))) await symlink(path.join(SAMPLE_DIR, '__static__', f), path.join(into, '__static__', f));
const text = await readFile(path.join(SAMPLE_DIR, 'index.md'), 'utf8');
const file = path.join(into, 'index.md');
await writeFile(file, text);

const store = new ContentStore();
const backend = await createSitePreviewBackend(root, { store });
await backend.load();
const route = '/tutorials/sample-tutorial';
if (!(await backend.render(route))) throw new Error(`no page at ${route}`);
// updateFiles timed from inside update(): the rest of update() is the pages' part.
const updateFiles = store.updateFiles.bind(store);
let storeMs = 0;
store.updateFiles = async (paths) => {
  const t = performance.now();
  const change = await updateFiles(paths);
  storeMs = performance.now() - t;
  return change;
};

const loadBefore = loadavg();
const rows: Array<{ store: number; pages: number; html: number; total: number }> = [];
for (let k = 0; k < EDITS; k++) {
  await writeFile(file, `${text}\n\nBench edit number ${k} of the sample.\n`);
  const t0 = performance.now();
  await backend.update([file]);
  const t1 = performance.now();
  const page = await backend.render(route);
  const t2 = performance.now();
  if (!page?.html.includes(`Bench edit number ${k} of the sample.`)) throw new Error(`edit ${k} is not in the page`);
  rows.push({ store: storeMs, pages: t1 - t0 - storeMs, html: t2 - t1, total: t2 - t0 });
}

// The renderer alone, both ways, alternating (same process, same load).
const { mdast } = parseDocument(text, { file: 'index.md' });
const ab: Record<'tree' | 'spliced', number[]> = { tree: [], spliced: [] };
for (let i = 0; i < 45; i++) {
  for (const mode of ['tree', 'spliced'] as const) {
    const t = performance.now();
    await renderDocumentAs(mdast, {}, mode);
    if (i >= 5) ab[mode].push(performance.now() - t);
  }
}
// The parse alone, on this thread: the whole file (what updateFiles ran in
// its guarded worker before parse/incremental.ts, and still runs with
// LABKIT_REPARSE=0), and the re-parse of the blocks around the change from
// the previous parse (what it runs now), alternating. Two edits: a
// paragraph appended (the saves above) and one typed in the middle.
const parseMs: number[] = [];
const reparseMs: Record<'end' | 'middle', number[]> = { end: [], middle: [] };
const prevDoc = parseDocument(text, { file: 'index.md' });
const mid = text.indexOf('\n\n', text.length >> 1) + 2;
for (let i = 0; i < 15; i++) {
  const next = `${text}\n\nParse ${i}.\n`;
  let t = performance.now();
  parseDocument(next, { file: 'index.md' });
  if (i >= 3) parseMs.push(performance.now() - t);
  if (process.env.LABKIT_REPARSE === '0') continue;
  for (const [where, edited] of [['end', next], ['middle', `${text.slice(0, mid)}Parse ${i} in the middle.\n\n${text.slice(mid)}`]] as const) {
    t = performance.now();
    const doc = reparseDocument(prevDoc, edited);
    if (i >= 3) reparseMs[where].push(performance.now() - t);
    if (!doc) throw new Error(`the ${where} edit was not re-parsed in part`);
  }
}
const loadAfter = loadavg();
await rm(root, { recursive: true, force: true });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
const ms = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms  p95 ${pct(xs, 95).toFixed(1)} ms`;
const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
console.log(`bench/dev-reload/save-phases: the iximiuz sample tutorial (62 KB, read in place), ${EDITS} edits, lab dev's site backend of ${repo} (${cpus().length} CPUs)`);
console.log(`  updateFiles (read, parse, rules):         ${ms(rows.map((r) => r.store))}`);
console.log(`    the parse alone, this thread: whole file ${ms(parseMs)}; ${process.env.LABKIT_REPARSE === '0' ? 'LABKIT_REPARSE=0' : `re-parse around the change (end) ${ms(reparseMs.end)}, (middle) ${ms(reparseMs.middle)}`}`);
console.log(`  pages (site model, page models, render):  ${ms(rows.map((r) => r.pages))}`);
console.log(`  page HTML (shell):                         ${ms(rows.map((r) => r.html))}`);
console.log(`  save on the server, without the watcher's quiet window and the push: ${ms(rows.map((r) => r.total))}`);
console.log(`  renderDocument of the tutorial, figures in the tree: ${ms(ab.tree)}; spliced: ${ms(ab.spliced)}`);
console.log(`  load average (1/5/15 min): before ${la(loadBefore)}, after ${la(loadAfter)}`);
process.exit(0);
