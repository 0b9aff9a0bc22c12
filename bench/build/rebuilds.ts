/**
 * bench/build/rebuilds.ts: fresh-process one-file rebuilds only, with the
 * code `lab` runs taking turns (LABKIT_CODE: `dist`, `bundle`, `source`; see
 * packages/cli/bin/lab.js), or one code with and without a setting: a
 * variant is a code and any `+NAME=VALUE` environment entries
 * (`bundle+LABKIT_PREFEED=0`). Each mode gets its own Labkit cache and output
 * (a graph snapshot is keyed by the code that wrote it), one cold build, then
 * --runs rounds: in each, every mode edits a heading of the first page and
 * runs `lab build --format json` in a new process. Prints each mode's wall
 * times, its build's own `durationMs` (the rest is Node, module loading and
 * exit), the load and search phases, and their medians, with the machine's
 * load. Cheaper than run.ts (no cold build per sample), so more samples fit
 * in the same minutes.
 *
 *   node bench/build/rebuilds.ts [--pages 3000] [--real] [--runs 6] [--codes dist,bundle,source]
 *   node bench/build/rebuilds.ts --real --pages 300 --codes bundle,bundle+LABKIT_PREFEED=0
 *
 * `pnpm build` first: `dist` and `bundle` run the packages' built code.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prepareBenchContent } from './generate-content.ts';
import { arg, load, median, numberArg, run, secs } from '../lib/measure.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const pages = numberArg('pages', 3000);
const runs = numberArg('runs', 6);
const real = process.argv.includes('--real');
const codes = (arg('codes') ?? 'dist,bundle,source').split(',');
const lab = path.join(repo, 'packages/cli/bin/lab.js');
const work = mkdtempSync(path.join(tmpdir(), 'labkit-bench-rebuilds-'));
const content = path.join(work, 'content');
const corpus = path.join(repo, '../shared/corpus/iximiuz-samples');
console.log(`bench/build/rebuilds: ${real ? 'copying the iximiuz sample tutorial' : 'generating'} ${pages} pages…`);
const { firstFile, heading } = prepareBenchContent(content, pages, real, corpus);
const original = readFileSync(firstFile, 'utf8');

/** `bundle+LABKIT_PREFEED=0`: the code, then environment entries. */
const env = (variant: string) => {
  const [code, ...entries] = variant.split('+');
  const extra = Object.fromEntries(entries.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
  return { ...extra, LABKIT_CODE: code!, LABKIT_CACHE: path.join(work, `cache-${slug(variant)}`) };
};
const slug = (variant: string) => variant.replace(/[^A-Za-z0-9_-]+/g, '_');
const out = (code: string) => path.join(work, `out-${slug(code)}`);
for (const code of codes) {
  mkdirSync(env(code).LABKIT_CACHE, { recursive: true });
  const cold = await run(process.execPath, [lab, 'build', content, '--out', out(code), '--force', '--format', 'json'], repo, env(code), 100);
  console.log(`cold ${code}: ${secs(cold.ms)}`);
}
const wall: Record<string, number[]> = {};
const own: Record<string, number[]> = {};
const phases: Record<string, { load: number[]; search: number[] }> = {};
const loads: string[] = [];
try {
  for (let i = 0; i < runs; i++) {
    loads.push(load());
    for (const code of i % 2 ? [...codes].reverse() : codes) {
      const marker = `edited-${code}-${i}-${Date.now()}`;
      writeFileSync(firstFile, original.replace(heading, `${heading} (${marker})`));
      const r = await run(process.execPath, [lab, 'build', content, '--out', out(code), '--format', 'json'], repo, env(code), 50);
      const summary = JSON.parse(r.stdout) as { mode: string; pagesWritten: number; durationMs: number; timings: Record<string, number> };
      const html = readFileSync(path.join(out(code), 'tutorials/tutorial-0/index.html'), 'utf8');
      if (summary.mode !== 'incremental' || !html.includes(marker)) throw new Error(`${code}: not an incremental rebuild with the edit (${summary.mode}, ${summary.pagesWritten} written)`);
      (wall[code] ??= []).push(r.ms);
      (own[code] ??= []).push(summary.durationMs);
      const ph = (phases[code] ??= { load: [], search: [] });
      ph.load.push(summary.timings['load'] ?? 0);
      ph.search.push(summary.timings['search'] ?? 0);
      console.log(`round ${i + 1}/${runs} ${code}: ${secs(r.ms)} (build ${secs(summary.durationMs)}, load ${secs(ph.load.at(-1)!)}, search ${secs(ph.search.at(-1)!)})`);
    }
  }
} finally {
  writeFileSync(firstFile, original);
}
console.log(`\nbench/build/rebuilds: ${pages} ${real ? 'copies of the iximiuz sample tutorial' : 'generated pages'}, ${runs} rounds taking turns; load ${loads.join(' | ')}\n`);
console.log('| Code | fresh `lab build`, median | samples | the build\'s own durationMs, median | outside it (Node, modules, exit) | load phase | search phase |\n|---|---|---|---|---|---|---|');
for (const code of codes) {
  const w = median(wall[code]!);
  const o = median(own[code]!);
  const outside = median(wall[code]!.map((ms, k) => ms - own[code]![k]!));
  console.log(`| ${code} | ${secs(w)} | ${wall[code]!.map(secs).join(', ')} | ${secs(o)} | ${secs(outside)} | ${secs(median(phases[code]!.load))} | ${secs(median(phases[code]!.search))} |`);
}
rmSync(work, { recursive: true, force: true });
