/**
 * bench/build: `lab build` on 3,000 generated pages against a plain Astro 7
 * project (glob loader + unified/remark-mdc) on the same files, in one run.
 * Prints both times, the ratio, peak memory (RSS of the whole process
 * tree), and the time of a rebuild after one file changed.
 *
 *   node bench/build/run.ts [--pages 3000]
 *
 * Targets: ratio <= 0.5, peak <= 1 GB, incremental <= 2 s. Timings depend
 * on the machine and on what else runs: they are printed, never asserted.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { generateContent } from './generate-content.ts';
import { writeAstroBaseline } from './astro-baseline.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const pagesArg = process.argv.indexOf('--pages');
const count = pagesArg > 0 ? Number(process.argv[pagesArg + 1]) : 3000;
const work = path.join(repo, 'bench/.out/build');
const content = path.join(work, 'content');
const labOut = path.join(work, 'lab-dist');
const baselineDir = path.join(repo, 'packages/site/.build/bench-astro-baseline');
const node = process.execPath;
const lab = path.join(repo, 'packages/cli/bin/lab.js');
const astroBin = path.join(repo, 'packages/site/node_modules/astro/bin/astro.mjs');

interface Run {
  ms: number;
  peakMb: number;
  stdout: string;
}

/** Sum of RSS over a process and its descendants, from /proc. */
function treeRssKb(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const t of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) stack.push(Number(t));
    } catch {
      // the process ended between reads
    }
  }
  return total;
}

function run(cmd: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, CI: '1', ASTRO_TELEMETRY_DISABLED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, treeRssKb(child.pid!))), 50);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = performance.now() - t0;
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`));
      else resolve({ ms, peakMb: peak / 1024, stdout });
    });
  });
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

mkdirSync(work, { recursive: true });
console.log(`bench/build: generating ${count} pages…`);
const { firstFile } = generateContent(content, count, path.join(repo, '../shared/corpus/iximiuz-samples/sample-challenge/__static__/container-box.png'));
rmSync(labOut, { recursive: true, force: true });
rmSync(path.join(work, '.labkit-cache'), { recursive: true, force: true });
// A private Labkit cache dir, emptied, so the cold build is cold (the SDK's
// parse cache would otherwise keep the previous run's parse results).
process.env.LABKIT_CACHE = path.join(work, 'labkit-cache');
rmSync(process.env.LABKIT_CACHE, { recursive: true, force: true });

console.log('lab build (cold: no cache, no previous output)…');
const cold = await run(node, [lab, 'build', content, '--out', labOut, '--force', '--format', 'json'], repo);
const coldSummary = JSON.parse(cold.stdout) as { pages: number; timings: Record<string, number> };

console.log('plain Astro 7 (glob loader, unified + remark-mdc)…');
writeAstroBaseline(baselineDir, content);
rmSync(path.join(baselineDir, 'node_modules/.astro'), { recursive: true, force: true });
const astro = await run(node, [astroBin, 'build', '--silent'], baselineDir);

console.log('lab build after editing one file…');
const original = readFileSync(firstFile, 'utf8');
writeFileSync(firstFile, original.replace('## Overview of 0', '## Overview of 0 (edited)'));
const incremental = await run(node, [lab, 'build', content, '--out', labOut, '--format', 'json'], repo);
const incSummary = JSON.parse(incremental.stdout) as { mode: string; pagesWritten: number; rendered: number; timings: Record<string, number> };
const edited = readFileSync(path.join(labOut, 'tutorials/tutorial-0/index.html'), 'utf8').includes('(edited)');
writeFileSync(firstFile, original);

// The same one-file rebuild in a long-lived process (the programmatic
// build() with keepGraph, as a watch loop would call it): the graph stays
// in memory, so only the changed file is parsed again.
const { build } = await import('../../packages/site/src/index.ts');
await build({ dir: content, outDir: labOut, keepGraph: true });
writeFileSync(firstFile, original.replace('## Overview of 0', '## Overview of 0 (edited again)'));
const t1 = performance.now();
const warm = await build({ dir: content, outDir: labOut, keepGraph: true });
const warmMs = performance.now() - t1;
writeFileSync(firstFile, original);

const ratio = cold.ms / astro.ms;
console.log('');
console.log(`pages                      ${coldSummary.pages} (${count} content pages)`);
console.log(`lab build (cold)           ${fmt(cold.ms)}   peak RSS ${cold.peakMb.toFixed(0)} MB   phases ${JSON.stringify(coldSummary.timings)}`);
console.log(`plain Astro 7 + remark-mdc ${fmt(astro.ms)}   peak RSS ${astro.peakMb.toFixed(0)} MB`);
console.log(`ratio lab/astro            ${ratio.toFixed(2)}   (target <= 0.5)`);
console.log(`peak memory (lab)          ${cold.peakMb.toFixed(0)} MB   (target <= 1024 MB)`);
console.log(`incremental, CLI (1 file)  ${fmt(incremental.ms)}   (target <= 2 s) mode=${incSummary.mode} written=${incSummary.pagesWritten} rendered=${incSummary.rendered} phases ${JSON.stringify(incSummary.timings)} edit-visible=${edited}`);
console.log(`incremental, in-process      ${fmt(warmMs)}   (build() with keepGraph) mode=${warm.mode} written=${warm.pagesWritten} rendered=${warm.rendered} phases ${JSON.stringify(warm.timings)}`);
rmSync(baselineDir, { recursive: true, force: true });
