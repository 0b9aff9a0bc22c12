// bench/validate: cold `lab validate` against a bare parse of the same files.
//
//   node bench/validate/run.ts [--items 1000] [--runs 5] [--keep]
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

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const items = flag('items', 1000);
const runs = flag('runs', 5);
const keep = args.includes('--keep');

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

function timeProcess(argv: string[], check: (stdout: string) => void): number {
  const t0 = performance.now();
  const result = spawnSync(process.execPath, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (result.error) throw result.error;
  check(result.stdout);
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited ${result.status}:\n${result.stderr}\n${result.stdout.slice(0, 2000)}`);
  return ms;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const validateTimes: number[] = [];
const bareTimes: number[] = [];
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
}

const v = median(validateTimes);
const b = median(bareTimes);
const fmt = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
console.log(`lab validate (cold, fresh process): median ${fmt(v)} of ${runs} [${validateTimes.map(fmt).join(', ')}] (${summary})`);
console.log(`bare parse   (fresh process):       median ${fmt(b)} of ${runs} [${bareTimes.map(fmt).join(', ')}]`);
console.log(`ratio validate / bare parse: ${(v / b).toFixed(2)}x`);
console.log(`targets: validate <= 1.00 s (${v <= 1000 ? 'met' : 'MISSED'}), ratio <= 1.50x (${v / b <= 1.5 ? 'met' : 'MISSED'})`);
if (!keep) rmSync(dir, { recursive: true, force: true });
