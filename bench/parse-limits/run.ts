// bench/parse-limits: what each hostile file (packages/sdk/test/security/
// pathological.ts) costs `lab validate`, against a folder with one normal file.
//
//   node bench/parse-limits/run.ts [--runs 3]
//
// Each case is its own content folder; each run is a fresh `lab validate`
// under /usr/bin/time, which gives wall time, CPU time (user + system, all
// threads) and peak RSS. Prints the medians and the excess over the
// baseline. Wall time depends on the machine's load: CPU time is the figure
// to compare (the parse limit is CPU time of the parse worker).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pathological } from '../../packages/sdk/test/security/pathological.ts';
import { numberArg } from '../lib/measure.ts';

const runs = numberArg('runs', 3);
const repo = fileURLToPath(new URL('../..', import.meta.url));
const lab = join(repo, 'packages/cli/bin/lab.js');
const work = mkdtempSync(join(tmpdir(), 'labkit-bench-limits-'));

const BASELINE = '---\nkind: tutorial\ntitle: A Baseline Tutorial\ndescription: Fine.\ncategories: [linux]\ncreatedAt: 2026-01-01\n---\n\nBody.\n';
const cases = [{ name: 'baseline', text: () => BASELINE }, ...pathological];

interface Run { wall: number; cpu: number; rssMb: number; code: number }
function measure(dir: string): Run {
  const stats = join(work, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', '-o', stats, process.execPath, lab, 'validate', dir, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const [wall, user, sys, rss] = readFileSync(stats, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys!, rssMb: rss! / 1024, code: r.status ?? -1 };
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}, ${runs} runs each`);
console.log('case'.padEnd(30), 'exit', 'wall s', ' cpu s', 'peak MB', '  +cpu s', '+MB');
let base: { wall: number; cpu: number; rssMb: number } | undefined;
for (const c of cases) {
  const dir = join(work, c.name);
  mkdirSync(join(dir, 't'), { recursive: true });
  writeFileSync(join(dir, 't/index.md'), c.text());
  const rs = Array.from({ length: runs }, () => measure(dir));
  const m = { wall: median(rs.map((r) => r.wall)), cpu: median(rs.map((r) => r.cpu)), rssMb: median(rs.map((r) => r.rssMb)) };
  base ??= m;
  console.log(
    c.name.padEnd(30),
    String(rs[0]!.code).padStart(4),
    m.wall.toFixed(2).padStart(6),
    m.cpu.toFixed(2).padStart(6),
    m.rssMb.toFixed(0).padStart(7),
    (m.cpu - base.cpu).toFixed(2).padStart(8),
    (m.rssMb - base.rssMb).toFixed(0).padStart(4),
  );
}
rmSync(work, { recursive: true, force: true });
