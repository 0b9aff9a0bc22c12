/**
 * What bounding the highlight cache costs (packages/sdk/src/render/highlight-cache.ts):
 * fills a temporary folder with `--entries` real-sized entries (~6.5 KB, the size
 * of a highlighted block), then prints, with the load:
 *   - hits: every entry read once by readHighlight (which now touches its mtime),
 *     against a plain readFile + JSON.parse of the same files (the read before);
 *   - scan: a prune under the bound (what most prunes are: nothing to remove);
 *   - prune: a prune to `--bound-mb` (removes the oldest to 80% of it).
 * Wall and CPU (user + system of this process, which includes the thread pool).
 *
 *   node --conditions=labkit-source --experimental-strip-types bench/highlight/prune.ts --entries 15000 --bound-mb 64
 */
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as hc from '../../packages/sdk/src/render/highlight-cache.ts';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '15000' }, 'bound-mb': { type: 'string', default: '64' } } });
const n = Number(values.entries);
const boundMb = Number(values['bound-mb']);

const root = mkdtempSync(path.join(os.tmpdir(), 'labkit-bench-prune-'));
const dir = path.join(root, 'highlight');
type Element = Parameters<typeof hc.writeHighlight>[1];
const figure = (i: number): Element => ({ type: 'element', tagName: 'figure', properties: { className: ['lk-code'] }, children: [{ type: 'text', value: `block ${i} `.padEnd(6400, 'x') }] });
const keys = Array.from({ length: n }, (_, i) => hc.highlightKey('bench', `code ${i}`, 'sh', null));
const file = (k: string) => path.join(dir, k.slice(0, 2), `${k}.json`);

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  const out = await fn();
  const ms = performance.now() - t;
  const c = process.cpuUsage(cpu);
  console.log(`${label.padEnd(34)} wall ${ms.toFixed(0).padStart(6)} ms   cpu ${((c.user + c.system) / 1000).toFixed(0).padStart(6)} ms`);
  return out;
}

try {
  for (let i = 0; i < n; i += 500) {
    keys.slice(i, i + 500).forEach((k, j) => hc.writeHighlight(k, figure(i + j), dir));
    await hc.flushHighlights();
  }
  const now = Date.now() / 1000;
  keys.forEach((k, i) => utimesSync(file(k), now - (n - i), now - (n - i)));
  console.log(`${n} entries in ${dir}; load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);

  const chunks = (fn: (k: string) => Promise<unknown>) => async () => {
    for (let i = 0; i < n; i += 64) await Promise.all(keys.slice(i, i + 64).map(fn));
    await hc.flushHighlights();
  };
  await timed('hits, readFile + parse (before)', chunks(async (k) => JSON.parse(await readFile(file(k), 'utf8'))));
  await timed('hits, readHighlight (+ touch)', chunks((k) => hc.readHighlight(k, dir)));
  const scan = await timed('prune under the bound (scan only)', () => hc.pruneHighlights(dir, 1024 * 1024 * 1024));
  console.log(`  ${scan.entries} entries, ${(scan.bytes / 1048576).toFixed(1)} MB on disk`);
  const pruned = await timed(`prune to ${boundMb} MB`, () => hc.pruneHighlights(dir, boundMb * 1048576));
  console.log(`  removed ${pruned.removed} entries, ${(pruned.removedBytes / 1048576).toFixed(1)} MB; left ${((pruned.bytes - pruned.removedBytes) / 1048576).toFixed(1)} MB`);
  console.log(`load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
