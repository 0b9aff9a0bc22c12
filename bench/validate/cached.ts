// bench/validate/cached.ts: the two warm paths of `lab validate --cache` on
// N copies of the real iximiuz sample challenge, for this checkout and
// another (--baseline), without the cold runs of real.ts:
//
// - hits (nothing changed): --runs alternating runs per checkout, wall time
//   and CPU time (user + system, all threads; it moves far less with other
//   load than the wall clock), medians and minimums;
// - the parse pack: opening the pack of those 2,000 files, setting one
//   entry and saving, in one process per checkout (each checkout's own
//   ParseCache), medians of 5.
//
//   node bench/validate/cached.ts [--copies 1000] [--runs 12] [--baseline <checkout>]
//
// Each checkout fills its own cache with one cold `lab validate --cache` first.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { arg, load, median } from '../lib/measure.ts';

const repo = path.resolve(import.meta.dirname, '../..');
const copies = Number(arg('copies') ?? 1000);
const runs = Number(arg('runs') ?? 12);
const baseline = arg('baseline');
const sample = path.resolve(repo, '../shared/corpus/iximiuz-samples/sample-challenge');

const dir = mkdtempSync(path.join(tmpdir(), 'labkit-bench-validate-cached-'));
const content = path.join(dir, 'content');
for (let i = 0; i < copies; i++) {
  const d = path.join(content, 'challenges', `sample-challenge-${i}`);
  mkdirSync(d, { recursive: true });
  for (const f of ['index.md', 'solution.md']) writeFileSync(path.join(d, f), readFileSync(path.join(sample, f)));
  symlinkSync(path.join(sample, '__static__'), path.join(d, '__static__'));
}

// Reports the process's CPU time on stdout as it exits (a pipe: written synchronously).
const CPU_REPORT = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stdout.write('\\nLABKIT_CPU_MS='+((u.user+u.system)/1000)+'\\n')})`;

const checkouts: Array<[string, string]> = baseline ? [['before', path.resolve(baseline)], ['after', repo]] : [['after', repo]];
const cacheOf = (label: string) => path.join(dir, `cache-${label}`);

function hit(checkout: string, label: string): { ms: number; cpuMs: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', CPU_REPORT, path.join(checkout, 'packages/cli/bin/lab.js'), 'validate', content, '--cache', '--format', 'json'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, LABKIT_CACHE: cacheOf(label) },
  });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`lab validate exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const cpu = /LABKIT_CPU_MS=([\d.]+)/.exec(r.stdout);
  return { ms, cpuMs: cpu ? Number(cpu[1]) : NaN };
}

// One process per checkout: its own ParseCache, on its own pack.
const PACK_SCRIPT = `
const [checkout, dir] = process.argv.slice(1);
const { readdirSync } = await import('node:fs');
const { ParseCache } = await import(checkout + '/packages/sdk/src/graph/parse-cache.ts');
const { parseDocument } = await import(checkout + '/packages/sdk/src/parse/parse-document.ts');
const file = dir + '/' + readdirSync(dir).find((f) => f.endsWith('.json'));
const open = [], save = [];
for (let i = 0; i < 5; i++) {
  let t = performance.now();
  const c = new ParseCache(file);
  open.push(performance.now() - t);
  c.set(parseDocument('---\\ntitle: x\\n---\\nrun ' + i + '\\n', { file: 'challenges/sample-challenge-0/index.md' }));
  t = performance.now();
  c.save();
  save.push(performance.now() - t);
}
console.log(JSON.stringify({ open, save }));
`;

console.log(`bench/validate/cached: ${copies} copies of the sample challenge in ${content}; load ${load()}`);
for (const [label, checkout] of checkouts) hit(checkout, label), hit(checkout, label); // fill: a miss, then the first hit
const res: Record<string, Array<{ ms: number; cpuMs: number }>> = {};
for (let k = 0; k < runs; k++) for (const [label, checkout] of k % 2 ? [...checkouts].reverse() : checkouts) (res[label] ??= []).push(hit(checkout, label));
const loadAfterHits = load();
const pack: Record<string, { open: number[]; save: number[] }> = {};
for (const [label, checkout] of checkouts) {
  const r = spawnSync(process.execPath, ['--conditions=labkit-source', '--input-type=module', '-e', PACK_SCRIPT, checkout, path.join(cacheOf(label), 'parse')], { encoding: 'utf8', cwd: path.join(checkout, 'packages/sdk') });
  if (r.status !== 0) throw new Error(r.stderr);
  pack[label] = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { open: number[]; save: number[] };
}
const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
console.log(`\n${runs} hits per checkout, alternating; load after the hits ${loadAfterHits}, after the pack ${load()}\n`);
console.log(`| What | ${checkouts.map(([l, c]) => `${l} (${path.basename(c)})`).join(' | ')} |\n|---|${checkouts.map(() => '---|').join('')}`);
const row = (what: string, f: (label: string) => string) => console.log(`| ${what} | ${checkouts.map(([l]) => f(l)).join(' | ')} |`);
row('hit, wall (median / min)', (l) => `${s(median(res[l]!.map((r) => r.ms)))} / ${s(Math.min(...res[l]!.map((r) => r.ms)))}`);
// A run whose CPU line went missing is left out of the CPU row (n says how many are in it).
row('hit, CPU (median / min, n)', (l) => {
  const cpu = res[l]!.map((r) => r.cpuMs).filter((x) => Number.isFinite(x));
  return `${s(median(cpu))} / ${s(Math.min(...cpu))}, ${cpu.length}`;
});
row('parse pack: open (median of 5)', (l) => s(median(pack[l]!.open)));
row('parse pack: save one changed entry (median of 5)', (l) => s(median(pack[l]!.save)));
rmSync(dir, { recursive: true, force: true });
