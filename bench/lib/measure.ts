/**
 * Shared bench helpers: run a command while sampling the RSS of its whole
 * process tree (from /proc), medians, the machine load, and interleaved
 * before/after runs against a second checkout (`--baseline <dir>`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface Run {
  ms: number;
  peakMb: number;
  stdout: string;
  /** [ms since start, MB] every `sampleMs`: memory over time. */
  samples: Array<[number, number]>;
}

/** Sum of RSS over a process and its descendants, in kB. */
export function treeRssKb(pid: number): number {
  let total = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      for (const task of readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) stack.push(Number(task));
    } catch {
      // the process ended between reads
    }
  }
  return total;
}

/** Runs `cmd`; an exit code not in `okCodes` rejects (`lab validate` exits 1 on content errors: a finished run). */
export function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}, sampleMs = 50, okCodes: number[] = [0]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, env: { ...process.env, CI: '1', ASTRO_TELEMETRY_DISABLED: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let peak = 0;
    const samples: Array<[number, number]> = [];
    const timer = setInterval(() => {
      const kb = treeRssKb(child.pid!);
      peak = Math.max(peak, kb);
      samples.push([Math.round(performance.now() - t0), Math.round(kb / 1024)]);
    }, sampleMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const ms = performance.now() - t0;
      if (!okCodes.includes(code ?? -1)) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`));
      else resolve({ ms, peakMb: peak / 1024, stdout, samples });
    });
  });
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `1-min 5-min 15-min` load averages, for the table header. */
export const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

export const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Memory over time as one line: the peak MB in each of `buckets` equal time slices. */
export function memoryLine(samples: Array<[number, number]>, buckets = 20): string {
  if (samples.length === 0) return '(no samples)';
  const end = samples[samples.length - 1]![0] || 1;
  const out = new Array<number>(buckets).fill(0);
  for (const [ms, mb] of samples) {
    const b = Math.min(buckets - 1, Math.floor((ms / end) * buckets));
    out[b] = Math.max(out[b]!, mb);
  }
  return `${out.join(' ')} MB (each ${(end / buckets / 1000).toFixed(1)} s)`;
}

/** `--name value` (or `--name=value`) from argv. */
export function arg(name: string): string | undefined {
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (eq) return eq.slice(name.length + 3);
  const i = process.argv.indexOf(`--${name}`);
  const value = i > 0 ? process.argv[i + 1] : undefined;
  return value === undefined || value.startsWith('--') ? undefined : value;
}

/**
 * LABKIT_CODE (which code `lab` runs: `source`, `bundle` or `dist`, see
 * packages/cli/bin/lab.js) for a bench's before/after runs: `--code` for the
 * current checkout, `--baseline-code` for the baseline, which is this
 * checkout unless `--baseline` names another (see baselineCheckout).
 */
export function codeEnv(label: 'before' | 'after'): Record<string, string> {
  const code = arg(label === 'before' ? 'baseline-code' : 'code');
  return code ? { LABKIT_CODE: code } : {};
}

/** `--baseline <checkout>`, or this checkout when only `--baseline-code` is given (the same code run two ways). */
export function baselineCheckout(repo: string): string | undefined {
  return arg('baseline') ?? (arg('baseline-code') ? repo : undefined);
}

/** A numeric `--name N`, `fallback` when absent; anything but a number (`--runs x`, `--runs` with no value) ends the bench with a message instead of a silent NaN. */
export function numberArg(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined && !process.argv.includes(`--${name}`)) return fallback;
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(n)) {
    console.error(`--${name} takes a number (got ${raw === undefined ? 'nothing' : JSON.stringify(raw)})`);
    process.exit(2);
  }
  return n;
}

/** Whether the bare flag `--name` was given. */
export function flagArg(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * Runs this bench again under `--conditions=labkit-source` unless it already
 * is, and exits with that run's code. Without the condition Node resolves
 * `@labkit/*` to the packages' dist/, a build that may be older than the
 * sources (it was once, and the figures measured that build).
 */
export function rerunWithSourceConditions(): void {
  if (process.execArgv.includes('--conditions=labkit-source')) return;
  const again = spawnSync(process.execPath, ['--conditions=labkit-source', ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(again.status ?? 1);
}
