// bench/validate: cold `lab validate` against a bare parse of the same files.
//
//   node bench/validate/run.ts [--items 1000] [--runs 5] [--keep] [--profile]
//
// --profile adds one `lab validate` run under `node --cpu-prof` and prints
// where its time goes, per thread: phases and libraries.
//
// Generates realistic content into a temp dir, then times, each in a fresh
// Node process (wall clock from spawn to exit, Node startup included for
// both sides): `lab validate <dir> --format json`, and bench/validate/
// bare-parse.ts (yaml + unified + remark-parse + remark-mdc, nothing else).
// Prints the medians and their ratio. Targets: validate <= 1.0 s, ratio <= 1.5.
// Figures depend on the machine's load: run it on an idle machine.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateContent } from './generate.ts';
import { summarizeProfiles } from './profile-summary.ts';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const items = flag('items', 1000);
const runs = flag('runs', 5);
const keep = args.includes('--keep');
const profile = args.includes('--profile');

const repo = fileURLToPath(new URL('../..', import.meta.url));
const lab = join(repo, 'packages/cli/bin/lab.js');
const bare = join(repo, 'bench/validate/bare-parse.ts');

const dir = mkdtempSync(join(tmpdir(), 'labkit-bench-validate-'));
const mdFiles = generateContent(dir, items);
const bytes = totalBytes(dir);
console.log(`Generated ${items} items (${mdFiles} Markdown files, ${(bytes / 1e6).toFixed(1)} MB of Markdown) in ${dir}`);

function totalBytes(root: string): number {
  let sum = 0;
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.md')) sum += statSync(join(e.parentPath, e.name)).size;
  }
  return sum;
}

// Each child reports its own CPU time (all threads, user + system) on exit:
// on a shared machine it moves far less with other load than the wall clock.
const CPU_REPORT = `data:text/javascript,process.on('exit',()=>{const u=process.cpuUsage();process.stderr.write('\\nLABKIT_CPU_MS='+((u.user+u.system)/1000)+'\\n')})`;

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeProcess(argv: string[], check: (stdout: string) => void, env: NodeJS.ProcessEnv = process.env): Timing {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, ['--import', CPU_REPORT, ...argv], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env });
  const wallMs = performance.now() - t0;
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout.slice(0, 2000)}`);
  check(result.stdout);
  const cpu = /LABKIT_CPU_MS=([\d.]+)/.exec(result.stderr);
  return { wallMs, cpuMs: cpu ? Number(cpu[1]) : Number.NaN };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const validateTimes: Timing[] = [];
const noCacheTimes: Timing[] = [];
const bareTimes: Timing[] = [];
let summary = '';
// Interleave the two so background load affects both sides alike.
for (let i = 0; i < runs; i++) {
  validateTimes.push(
    timeProcess([lab, 'validate', dir, '--format', 'json'], (out) => {
      const parsed = JSON.parse(out) as { summary: { errors: number; warnings: number } };
      summary = `${parsed.summary.errors} errors, ${parsed.summary.warnings} warnings`;
    }),
  );
  bareTimes.push(timeProcess([bare, dir], () => {}));
  // Also without Node's compile cache: the very first run after installing or
  // changing Labkit pays the TypeScript stripping of its sources.
  noCacheTimes.push(timeProcess([lab, 'validate', dir, '--format', 'json'], () => {}, { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' }));
}

const v = median(validateTimes.map((t) => t.wallMs));
const b = median(bareTimes.map((t) => t.wallMs));
const vc = median(validateTimes.map((t) => t.cpuMs));
const bc = median(bareTimes.map((t) => t.cpuMs));
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const all = (ts: Timing[]): string => ts.map((t) => fmt(t.wallMs)).join(', ');
console.log(`lab validate (cold, fresh process): median ${fmt(v)} wall, ${fmt(vc)} CPU, of ${runs} [${all(validateTimes)}] (${summary})`);
const n = median(noCacheTimes.map((t) => t.wallMs));
const nc = median(noCacheTimes.map((t) => t.cpuMs));
console.log(`lab validate, compile cache off:    median ${fmt(n)} wall, ${fmt(nc)} CPU, of ${runs} [${all(noCacheTimes)}]`);
console.log(`bare parse   (fresh process):       median ${fmt(b)} wall, ${fmt(bc)} CPU, of ${runs} [${all(bareTimes)}]`);
console.log(`ratio validate / bare parse: ${(v / b).toFixed(2)}x wall, ${(vc / bc).toFixed(2)}x CPU (lab validate parses on worker threads, the bare parse on one)`);
console.log(`targets: validate <= 1.00 s (${v <= 1000 ? 'met' : 'MISSED'}), ratio <= 1.50x (${v / b <= 1.5 ? 'met' : 'MISSED'})`);
if (profile) {
  const profDir = mkdtempSync(join(tmpdir(), 'labkit-bench-validate-prof-'));
  spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profDir}`, lab, 'validate', dir, '--format', 'json'], { stdio: 'ignore' });
  console.log(`\nCPU profile of one lab validate run (${profDir}):\n${summarizeProfiles(profDir)}`);
}
if (!keep) rmSync(dir, { recursive: true, force: true });
