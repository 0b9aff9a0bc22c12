// bench/validate --real: `lab validate` on N copies of the real iximiuz
// sample challenge (index.md + solution.md, read from ../shared/corpus and
// copied into a temp folder outside the repository; the images are
// symlinked), cold, with `--cache` when nothing changed and with `--cache`
// after one file was edited (the graph snapshot's path), with the peak
// RSS of the process tree, against a bare single-thread parse of the same
// files. With --baseline <checkout> both checkouts take turns on the same
// files (before/after); medians of --runs runs, with the load average.
// --tutorial copies the real sample tutorial instead (index.md, 62 KB with
// 70 code blocks: every copy is over the parse guard's in-place estimate,
// so it parses on the guarded workers).
//
//   node bench/validate/real.ts [--copies 1000] [--runs 3] [--baseline /work/baseline] [--tutorial]
//                               [--code bundle] [--baseline-code source]
// --code / --baseline-code pick the code `lab` runs (LABKIT_CODE: source,
// bundle, dist) for the current and the baseline checkout; --baseline-code
// alone compares this checkout with itself, run two ways.
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { arg, baselineCheckout, codeEnv, load, median, run, secs, type Run } from '../lib/measure.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const copies = Number(arg('copies') ?? 1000);
const runs = Number(arg('runs') ?? 3);
const baseline = baselineCheckout(repo);
const tutorial = process.argv.includes('--tutorial');
const sampleName = tutorial ? 'sample tutorial' : 'sample challenge';
const sample = path.resolve(repo, `../shared/corpus/iximiuz-samples/${tutorial ? 'sample-tutorial' : 'sample-challenge'}`);
const folder = tutorial ? 'tutorials' : 'challenges';
const copyName = (i: number) => `${tutorial ? 'sample-tutorial' : 'sample-challenge'}-${i}`;

const dir = mkdtempSync(path.join(tmpdir(), 'labkit-bench-validate-real-'));
const index = readFileSync(path.join(sample, 'index.md'), 'utf8');
const solution = tutorial ? '' : readFileSync(path.join(sample, 'solution.md'), 'utf8');
let bytes = 0;
for (let i = 0; i < copies; i++) {
  const d = path.join(dir, folder, copyName(i));
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'index.md'), index);
  if (!tutorial) writeFileSync(path.join(d, 'solution.md'), solution);
  symlinkSync(path.join(sample, '__static__'), path.join(d, '__static__'));
  bytes += index.length + solution.length;
}
console.log(`bench/validate: ${copies} copies of the ${sampleName} (${(bytes / 1e6).toFixed(1)} MB of Markdown) in ${dir}`);

const node = process.execPath;
const checkouts: Array<['before' | 'after', string]> = baseline ? [['before', path.resolve(baseline)], ['after', repo]] : [['after', repo]];
const res: Record<string, Run[]> = {};
const push = (k: string, r: Run) => (res[k] ??= []).push(r);
const loads: string[] = [];
for (let i = 0; i < runs; i++) {
  loads.push(load());
  const bare = await run(node, [path.join(repo, 'bench/validate/bare-parse.ts'), dir], repo);
  push('bare', bare);
  push('bare-gfm', await run(node, [path.join(repo, 'bench/validate/bare-parse.ts'), dir, '--gfm'], repo));
  for (const [label, checkout] of i % 2 ? [...checkouts].reverse() : checkouts) {
    const lab = path.join(checkout, 'packages/cli/bin/lab.js');
    const env = { LABKIT_CACHE: path.join(dir, '..', `${path.basename(dir)}-cache-${label}`), ...codeEnv(label) };
    rmSync(env.LABKIT_CACHE, { recursive: true, force: true });
    // Exit code 1 (content errors) is still a finished run: validate reports, it does not fail here.
    const cold = await run(node, [lab, 'validate', dir, '--format', 'json'], checkout, env, 25, [0, 1]);
    push(`${label}-cold`, cold);
    await run(node, [lab, 'validate', dir, '--cache', '--format', 'json'], checkout, env, 25, [0, 1]); // fills the cache
    // Three hits per turn: each is short, so one turn of load can swing one sample.
    for (let k = 0; k < 3; k++) push(`${label}-cached`, await run(node, [lab, 'validate', dir, '--cache', '--format', 'json'], checkout, env, 25, [0, 1]));
    // One paragraph added to one file: the stored result is stale, the parse
    // pack serves the other 1,999 files and takes the one new parse.
    const edited = path.join(dir, folder, copyName(0), 'index.md');
    writeFileSync(edited, readFileSync(edited, 'utf8') + `\nEdited paragraph ${i} ${label}.\n`);
    const edit = await run(node, [lab, 'validate', dir, '--cache', '--format', 'json'], checkout, env, 25, [0, 1]);
    push(`${label}-edit`, edit);
    console.log(`run ${i + 1}/${runs} ${label}: cold ${secs(cold.ms)} (${cold.peakMb.toFixed(0)} MB), cached ${secs(res[`${label}-cached`]!.at(-1)!.ms)}, one file edited ${secs(edit.ms)}, bare ${secs(bare.ms)}, load ${load()}`);
  }
}
const m = (k: string, f: (r: Run) => number) => (res[k] ? median(res[k]!.map(f)) : NaN);
const bare = m('bare', (r) => r.ms);
const bareGfm = m('bare-gfm', (r) => r.ms);
const cell = (label: string, what: 'cold' | 'cached' | 'edit' | 'ratio' | 'ratio-gfm' | 'peak') => {
  if (!res[`${label}-cold`]) return '–';
  if (what === 'ratio') return `${(m(`${label}-cold`, (r) => r.ms) / bare).toFixed(2)}×`;
  if (what === 'ratio-gfm') return `${(m(`${label}-cold`, (r) => r.ms) / bareGfm).toFixed(2)}×`;
  if (what === 'peak') return `${m(`${label}-cold`, (r) => r.peakMb).toFixed(0)} MB`;
  return secs(m(`${label}-${what}`, (r) => r.ms));
};
console.log(`\nbench/validate: ${copies} copies of the real ${sampleName}, ${runs} runs, medians; bare single-thread parse ${secs(bare)}, with remark-gfm ${secs(bareGfm)}. Load: ${loads.join(' | ')}\n`);
console.log('| What | Before | After | Goal |\n|---|---|---|---|');
console.log(`| \`lab validate\` cold, wall | ${cell('before', 'cold')} | ${cell('after', 'cold')} | |`);
console.log(`| cold / bare single-thread parse | ${cell('before', 'ratio')} | ${cell('after', 'ratio')} | ≤ 0.8× |`);
console.log(`| cold / bare parse with remark-gfm (Labkit's plugins) | ${cell('before', 'ratio-gfm')} | ${cell('after', 'ratio-gfm')} | |`);
console.log(`| \`--cache\`, nothing changed | ${cell('before', 'cached')} | ${cell('after', 'cached')} | ≤ 0.4 s |`);
console.log(`| \`--cache\`, one file edited (graph snapshot: 1 file parsed, its item checked again) | ${cell('before', 'edit')} | ${cell('after', 'edit')} | |`);
console.log(`| peak memory (process tree), cold | ${cell('before', 'peak')} | ${cell('after', 'peak')} | ≤ 400 MB |`);
rmSync(dir, { recursive: true, force: true });
for (const e of readdirSync(path.dirname(dir))) if (e.startsWith(`${path.basename(dir)}-cache-`)) rmSync(path.join(path.dirname(dir), e), { recursive: true, force: true });
