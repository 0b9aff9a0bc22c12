// bench/dev-reload/start.ts: `lab dev` start to ready, from the command line
// (what an author waits for), on a generated repo: the first start (parse
// cache empty for this repo's files) and then --runs warm starts (parse
// cache filled). "Ready" is the line `lab dev` prints when the content is
// loaded and checked ("✔ N items · …"); its URL line comes earlier, since
// the server answers at once with a loading page. Also timed: the first page,
// until the catalog (GET /) answers with the real page instead of the loading
// one (the pages are built after the report). Prints medians and the load.
//
//   node bench/dev-reload/start.ts [--items 1000] [--runs 5] [--checkout /work/baseline]
//
// Goal (issue 18): ≤ 3 s for 1,000 items with a warm parse cache.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateRepo } from './generate-repo.ts';

const { values } = parseArgs({ options: { items: { type: 'string', default: '1000' }, runs: { type: 'string', default: '5' }, checkout: { type: 'string' } } });
const checkout = path.resolve(values.checkout ?? path.join(import.meta.dirname, '../..'));
const lab = path.join(checkout, 'packages/cli/bin/lab.js');
const root = await mkdtemp(path.join(tmpdir(), 'lab-bench-start-'));
// A cache of its own, so "first start" is cold for the parse and highlight caches.
const cache = await mkdtemp(path.join(tmpdir(), 'lab-bench-start-cache-'));
await generateRepo(root, Number(values.items));

/** Spawns `lab dev`, returns ms to the ready line and to the first real page; kills it then. */
function start(): Promise<{ ready: number; page: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [lab, 'dev', root, '--port', '0'], { env: { ...process.env, LABKIT_CACHE: cache, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let ready = 0;
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`no ready line and page in 300 s:\n${out}`))), 300_000);
    const firstPage = async (url: string) => {
      // 503 is the loading page; a refused connection cannot happen (the URL line comes after listen).
      while ((await fetch(url).then((r) => (void r.body?.cancel(), r.status)).catch(() => 0)) !== 200) await new Promise((r) => setTimeout(r, 10));
      return performance.now() - t0;
    };
    let page: Promise<number> | undefined;
    const seen = (chunk: Buffer) => {
      out += chunk.toString();
      const url = /preview (http:\S+)/.exec(out)?.[1];
      if (url && !page) page = firstPage(url);
      if (!ready && /\d+ items? ·/.test(out)) {
        ready = performance.now() - t0;
        void page!.then((pageMs) => {
          clearTimeout(timer);
          child.once('exit', () => resolve({ ready, page: pageMs }));
          child.kill('SIGTERM');
        });
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const before = loadavg();
const first = await start();
const warm: Array<{ ready: number; page: number }> = [];
for (let i = 0; i < Number(values.runs); i++) warm.push(await start());
const s = (ms: number) => `${(ms / 1000).toFixed(2)}`;
const spread = (xs: number[]) => `median ${s(median(xs))} s (min ${s(Math.min(...xs))}, max ${s(Math.max(...xs))}, n=${xs.length})`;
const ready = warm.map((w) => w.ready);
console.log(`bench/dev-reload/start: lab dev of ${checkout}, ${values.items} items, ${process.env['LABKIT_BENCH_NOTE'] ?? ''}`.trim());
console.log(`  first start (empty caches): ready ${s(first.ready)} s, first page ${s(first.page)} s`);
console.log(`  warm start, ready line: ${spread(ready)}; goal ≤ 3 s -> ${median(ready) <= 3000 ? 'met' : 'NOT met'}`);
console.log(`  warm start, first page (GET / is the catalog, not the loading page): ${spread(warm.map((w) => w.page))}`);
console.log(`  load average (1/5/15 min): before ${before.map((l) => l.toFixed(2)).join(' ')}, after ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
await rm(root, { recursive: true, force: true });
await rm(cache, { recursive: true, force: true });
