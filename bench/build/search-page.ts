/**
 * bench/build/search-page: what the search shards cost the learner. Builds
 * generated pages (generate-content.ts) once per shard size and times, in
 * Chromium, the search page from navigation (`/search/?q=overview`) to its
 * first results, with no added latency and with 40 ms of round trip (CDP
 * network emulation), counting requests and bytes. Smaller shards make a
 * rebuild index less (one shard) but make this page merge more indexes.
 *
 *   node bench/build/search-page.ts [--pages 3000] [--sizes 200,100,50] [--loads 5]
 *
 * The server is on 127.0.0.1; Chromium is Debian's, as in the tests.
 */
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { build } from '../../packages/site/src/index.ts';
import { launchChromium, serveStatic } from '../../packages/site/test/helpers.ts';
import { generateContent } from './generate-content.ts';
import { arg, load, median, numberArg } from '../lib/measure.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const pages = numberArg('pages', 3000);
const sizes = (arg('sizes') ?? '200,100,50').split(',').map(Number);
const loads = numberArg('loads', 5);
const work = path.join(repo, 'bench/.out/search-page');
mkdirSync(work, { recursive: true });
const content = path.join(work, `content-${pages}`);
generateContent(content, pages);

const browser = await launchChromium();
const rows: string[] = [];
try {
  for (const size of sizes) {
    const outDir = path.join(work, `site-${size}`);
    const built = await build({ dir: content, outDir, cacheDir: path.join(work, `cache-${size}`), searchShardSize: size });
    const server = await serveStatic(outDir);
    try {
      for (const latency of [0, 40]) {
        const times: number[] = [];
        let requests = 0;
        let bytes = 0;
        for (let i = 0; i < loads; i++) {
          // A new context each time: nothing cached from the previous load.
          const context = await browser.newContext();
          const page = await context.newPage();
          const cdp = await context.newCDPSession(page);
          await cdp.send('Network.enable');
          if (latency) await cdp.send('Network.emulateNetworkConditions', { offline: false, latency, downloadThroughput: 5e6, uploadThroughput: 1e6 });
          let n = 0;
          let b = 0;
          page.on('requestfinished', (r) => {
            n++;
            void r.sizes().then((s) => (b += s.responseBodySize), () => {});
          });
          const t0 = performance.now();
          await page.goto(`${server.url}search/?q=overview`);
          await page.waitForSelector('.lk-search-list li', { timeout: 60_000 });
          times.push(performance.now() - t0);
          requests = n;
          bytes = b;
          await context.close();
        }
        rows.push(`| ${size} | ${built.search?.shards ?? '?'} | ${latency} ms | ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}) | ${requests} | ${(bytes / 1024).toFixed(0)} KB |`);
        console.log(rows.at(-1));
      }
    } finally {
      await server.close();
    }
    rmSync(outDir, { recursive: true, force: true });
  }
} finally {
  await browser.close();
}
console.log(`\nbench/build/search-page: ${pages} generated pages, ${loads} loads each, median; load ${load()}\n`);
console.log('| pages per shard | shards | added round trip | navigation → first results | requests | bytes |\n|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
