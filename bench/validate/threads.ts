// bench/validate --threads: where a cold `lab validate`'s time goes, thread
// by thread. Runs `lab validate <dir> --format json` once under
// `--cpu-prof` (every thread writes a profile: the CLI's main thread, the
// load thread, the parse workers) and prints, per thread, when it started
// and ended, its samples by phase (parse, front matter, rules, module
// loading, garbage collection, idle, ...) and a one-second timeline of its
// main phase. Profile times are sampled wall time of each thread, so under
// load they are larger than its CPU time; compare threads and phases within
// one run, or checkouts in turns.
//
//   node bench/validate/threads.ts <dir> [--checkout /work/before7] [--bucket-ms 1000]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { arg, load } from '../lib/measure.ts';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const repo = path.resolve(import.meta.dirname, '../..');
const dir = process.argv.slice(2).find((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (!dir) throw new Error('usage: node bench/validate/threads.ts <dir> [--checkout <path>] [--bucket-ms 1000]');
const checkout = path.resolve(arg('checkout') ?? repo);
const bucketUs = Number(arg('bucket-ms') ?? 1000) * 1000;
const profDir = mkdtempSync(path.join(tmpdir(), 'labkit-bench-threads-'));
const before = load();
const t0 = performance.now();
const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, path.join(checkout, 'packages/cli/bin/lab.js'), 'validate', path.resolve(dir), '--format', 'json'], {
  env: { ...process.env, LABKIT_CACHE: path.join(profDir, 'cache') },
  maxBuffer: 1 << 30,
});
const wall = performance.now() - t0;
if (r.status !== 0 && r.status !== 1) throw new Error(`lab validate exited with ${r.status}: ${r.stderr}`);

/** The phase of a sample, from its stack (innermost frame first). */
function phase(stack: string[]): string {
  const own = stack[0]!;
  if (own.startsWith('(idle)')) return 'idle';
  if (own.startsWith('(garbage collector)')) return 'gc';
  if (own.startsWith('(program)')) return 'program';
  const s = stack.join('|');
  const rule = /validate\/rules\/([a-z-]+)/.exec(s);
  if (rule) return `rule ${rule[1]}`;
  if (/\/validate\//.test(s)) return 'validate (other)';
  if (/parseFrontMatter/.test(s)) return 'front matter';
  if (/parseMarkdown@.*parse\/markdown/.test(s)) return 'markdown parse';
  if (/parse-document|parseJob|parse-worker/.test(s)) return 'parse (other: digest, limits, tree cut, posting)';
  if (/discover\.ts/.test(s)) return 'discovery';
  if (/node:internal\/modules|amaro|compileSourceTextModule/.test(s)) return 'module loading';
  if (/diagnostics\/format/.test(s)) return 'formatting';
  const graph = /graph\/phases\/([a-z-]+)/.exec(s);
  if (graph) return `graph ${graph[1]}`;
  if (/sdk\/src\/graph\//.test(s)) return 'graph (other)';
  return 'other';
}

const files = readdirSync(profDir).filter((f) => f.endsWith('.cpuprofile')).sort();
const profiles = files.map((f) => JSON.parse(readFileSync(path.join(profDir, f), 'utf8')) as Profile);
const start = Math.min(...profiles.map((p) => p.startTime));
console.log(`lab validate ${dir} (${checkout}): wall ${(wall / 1000).toFixed(2)} s, ${profiles.length} threads; load before ${before}, after ${load()}`);
profiles.forEach((p, n) => {
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const parent = new Map<number, number>();
  for (const x of p.nodes) for (const c of x.children ?? []) parent.set(c, x.id);
  const memo = new Map<number, string>();
  const phaseOf = (id: number): string => {
    let hit = memo.get(id);
    if (hit === undefined) {
      const stack: string[] = [];
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const cf = byId.get(cur)!.callFrame;
        stack.push(`${cf.functionName}@${cf.url}`);
      }
      memo.set(id, (hit = phase(stack)));
    }
    return hit;
  };
  const total = new Map<string, number>();
  const buckets = new Map<number, Map<string, number>>();
  let t = p.startTime;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    t += dt;
    const ph = phaseOf(id);
    total.set(ph, (total.get(ph) ?? 0) + dt);
    const b = Math.floor((t - start) / bucketUs);
    const m = buckets.get(b) ?? new Map<string, number>();
    m.set(ph, (m.get(ph) ?? 0) + dt);
    buckets.set(b, m);
  });
  const ms = (us: number) => (us / 1000).toFixed(0);
  console.log(`\nthread ${n}: +${((p.startTime - start) / 1e6).toFixed(2)} s to +${((p.endTime - start) / 1e6).toFixed(2)} s`);
  console.log('  ms by phase: ' + [...total].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${ms(v)}`).join(', '));
  const line = [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([b, m]) => {
      const sum = [...m.values()].reduce((x, y) => x + y, 0);
      const [top, v] = [...m].sort((x, y) => y[1] - x[1])[0]!;
      return `${((b * bucketUs) / 1e6).toFixed(0)}s ${top} ${Math.round((100 * v) / sum)}%`;
    });
  console.log('  timeline: ' + line.join(' | '));
});
rmSync(profDir, { recursive: true, force: true });
