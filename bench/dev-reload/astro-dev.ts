// bench/dev-reload/astro-dev.ts: the same measurement against Astro 7's own
// dev server (a plain project: glob() loader over the same generated repo,
// unified + remark-mdc, one page per entry; see bench/build/astro-baseline.ts),
// so the choice of preview renderer for `lab dev` rests on figures.
//
// Astro may reload the page instead of patching it, so the timing works
// across navigations: an init script (run at document start of every load)
// watches the DOM and records Date.now() when the expected text appears;
// the write time is Date.now() in Node right before writeFile (same clock).
//
//   node bench/dev-reload/astro-dev.ts [--items 1000] [--edits 30]
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { writeAstroBaseline } from '../build/astro-baseline.ts';
import { generateRepo, itemDir, itemSource, marker } from './generate-repo.ts';

const { values } = parseArgs({ options: { items: { type: 'string', default: '1000' }, edits: { type: 'string', default: '30' }, port: { type: 'string', default: '4399' } } });
const ITEMS = Number(values.items);
const EDITS = Number(values.edits);
const PORT = Number(values.port);
const repo = path.resolve(import.meta.dirname, '../..');
const projectDir = path.join(repo, 'packages/site/.build/bench-astro-dev');
const astroBin = path.join(repo, 'packages/site/node_modules/astro/bin/astro.mjs');

const content = await mkdtemp(path.join(tmpdir(), 'lab-bench-astro-dev-'));
await generateRepo(content, ITEMS);
writeAstroBaseline(projectDir, content);

const s0 = performance.now();
const child = spawn(process.execPath, [astroBin, 'dev', '--port', String(PORT), '--host', '127.0.0.1'], { cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' } });
let log = '';
child.stdout.on('data', (c: Buffer) => (log += c.toString()));
child.stderr.on('data', (c: Buffer) => (log += c.toString()));
const base = `http://127.0.0.1:${PORT}/`;
const firstUrl = new URL(`${itemDir(0)}/`, base).href;
for (;;) {
  if (child.exitCode !== null) throw new Error(`astro dev exited:\n${log}`);
  const ok = await fetch(firstUrl).then((r) => r.ok, () => false);
  if (ok) break;
  if (performance.now() - s0 > 600_000) throw new Error(`astro dev not ready:\n${log}`);
  await new Promise((r) => setTimeout(r, 250));
}
const startupMs = performance.now() - s0;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
});
const page = await browser.newPage();
await page.addInitScript(() => {
  const check = () => {
    const needle = sessionStorage.getItem('bench-needle');
    if (needle && !sessionStorage.getItem('bench-seen') && document.body?.textContent?.includes(needle)) {
      sessionStorage.setItem('bench-seen', String(Date.now()));
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true });
  document.addEventListener('DOMContentLoaded', check);
});

const ms: number[] = [];
const reloads: boolean[] = [];
const loadBefore = loadavg();
const picks = Array.from({ length: EDITS }, (_, k) => Math.floor(((k + 0.5) * ITEMS) / EDITS));
let missed = 0;
for (const [k, i] of picks.entries()) {
  if (child.exitCode !== null) throw new Error(`astro dev exited (code ${child.exitCode}):\n${log.slice(-3000)}`);
  const url = new URL(`${itemDir(i)}/`, base).href;
  await page.goto(url, { timeout: 120_000 });
  await page.waitForTimeout(300); // let Vite's HMR socket connect
  const needle = marker(i, `v1-${k}`);
  await page.evaluate((n) => {
    sessionStorage.setItem('bench-needle', n);
    sessionStorage.removeItem('bench-seen');
    (window as { __sameDocument?: boolean }).__sameDocument = true;
  }, needle);
  const t0 = Date.now();
  await writeFile(path.join(content, itemDir(i), 'index.md'), itemSource(i, `v1-${k}`));
  try {
    await page.waitForFunction(() => sessionStorage.getItem('bench-seen') !== null, undefined, { timeout: 30_000, polling: 20 });
  } catch {
    missed++; // the new text never showed within 30 s: counted, not timed
    continue;
  }
  const seen = Number(await page.evaluate(() => sessionStorage.getItem('bench-seen')));
  ms.push(seen - t0);
  reloads.push(!(await page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument === true)));
}
const loadAfter = loadavg();
await browser.close();
child.kill('SIGTERM');
await rm(content, { recursive: true, force: true });
await rm(projectDir, { recursive: true, force: true });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;
const la = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
console.log(`bench/dev-reload (Astro 7 dev server baseline): ${ITEMS} items, ${EDITS} edits (${cpus().length} CPUs)`);
console.log(`  astro dev ready (first page served) in ${startupMs.toFixed(0)} ms`);
console.log(`  write -> new text in the page DOM: p50 ${pct(ms, 50)} ms  p95 ${pct(ms, 95)} ms  min ${Math.min(...ms)} ms  max ${Math.max(...ms)} ms  (full reloads: ${reloads.filter(Boolean).length}/${reloads.length}; edits never shown within 30 s: ${missed})`);
console.log(`  load average (1/5/15 min): before ${la(loadBefore)}, after ${la(loadAfter)}`);
