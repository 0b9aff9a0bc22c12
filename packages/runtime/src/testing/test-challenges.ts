import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isLabkitError, loadContent, type Playground, type TaskInput } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import type { ImageKind } from '../image/build-image.ts';
import type { MachineSpec, Provider, RunningPlayground } from '../provider.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import { TaskEngine } from '../engine/task-engine.ts';
import type { TaskKind, TaskStatus } from '../engine/events.ts';
import { splitSolution } from './solution.ts';

/** Before the solution, a check must not pass: `failed` (ran, did not pass) or `blocked` (needs unmet). */
export type PrecheckOutcome = 'failed' | 'blocked' | 'passed' | 'not-run';

export interface TaskTestReport {
  name: string;
  kind: TaskKind;
  machine: string;
  /** Outcome before the solution (regular tasks only). */
  precheck: PrecheckOutcome;
  /** Status after the solution. */
  status: TaskStatus;
  ok: boolean;
  /** Executions of `run`. */
  runs: number;
  /** From the start of the solution to the task passing (regular), or the run's duration (init). */
  durationMs?: number;
  detail?: string;
  /** Last output of `run` while it was not passing (why it failed). */
  lastOutput?: string;
}

export interface ChallengeTestReport {
  id: string;
  name: string;
  /** Challenge folder. */
  dir: string;
  /** The solution tested (file, or `solution` front matter). */
  solution: string | undefined;
  ok: boolean;
  /** Why the challenge failed as a whole (boot, init, no solution...). */
  error?: string;
  bootMs?: number;
  initMs?: number;
  solutionMs?: number;
  durationMs: number;
  tasks: TaskTestReport[];
}

export interface TestRunReport {
  ok: boolean;
  challenges: ChallengeTestReport[];
  durationMs: number;
}

export type TestProgress =
  | { type: 'challenge-start'; id: string; solution: string | undefined }
  | { type: 'phase'; id: string; phase: 'boot' | 'init' | 'precheck' | 'solution' | 'checks' }
  | { type: 'task'; id: string; task: string; status: TaskStatus }
  | { type: 'challenge-done'; report: ChallengeTestReport };

export interface TestChallengesOptions {
  /** Challenges tested at once (default: the number of cores). */
  concurrency?: number;
  /** Default: a QemuProvider (KVM if the canary proves it, else TCG). */
  provider?: Provider;
  onProgress?: (event: TestProgress) => void;
  pollIntervalMs?: number;
  /** Limit for one solution chunk (default 5 min). */
  solutionTimeoutMs?: number;
  /** How long checks may take to pass after the solution (default: the longest task timeout + 30 s). */
  settleTimeoutMs?: number;
  /** Only challenges whose name or id matches one of these. */
  filter?: string[];
}

/** Playground names the local runtime has images for. */
const IMAGE_FOR_PLAYGROUND: Record<string, ImageKind> = { busybox: 'busybox', debian: 'debian' };

/**
 * `lab test`: proves every challenge solvable. For each challenge (and each
 * of its solutions, from a fresh playground): boot, run init, run the checks
 * expecting them to fail (the learner did nothing), run the solution, and
 * wait for every check to pass.
 */
export async function testChallenges(paths: string[], options: TestChallengesOptions = {}): Promise<TestRunReport> {
  const started = Date.now();
  const jobs: Array<() => Promise<ChallengeTestReport>> = [];
  const provider = options.provider ?? new QemuProvider();
  for (const p of paths.length ? paths : ['.']) {
    const graph = await loadContent(p);
    const challenges = graph.items.filter((item) => item.kind === 'challenge');
    if (challenges.length === 0) throw RuntimeErrors.ChallengeNotFound(path.resolve(p));
    for (const item of challenges) {
      const solutions = await solutionsOf(graph.root, item.dir, item.solutions, item.data);
      const tasks: Record<string, TaskInput> = Object.fromEntries(item.tasks.map((t) => [t.name, t.task]));
      // A challenge folder passed directly is the content root: name it after the folder.
      const name = item.dir === '' ? path.basename(graph.root) : item.name;
      const base = { id: item.dir === '' ? `challenge:${name}` : item.id, name, dir: path.join(graph.root, item.dir) };
      if (options.filter?.length && !options.filter.some((f) => f === base.name || f === base.id)) continue;
      if (solutions.length === 0) {
        jobs.push(async () => ({ ...base, solution: undefined, ok: false, error: 'no solution: add `solution.sh`, `.solution-NN.sh` or a `solution` field', durationMs: 0, tasks: [] }));
      }
      for (const solution of solutions) {
        jobs.push(() => testOne(base, item.playground, tasks, solution, provider, options));
      }
    }
  }
  const challenges = await runLimited(jobs, options.concurrency ?? os.availableParallelism());
  return { ok: challenges.length > 0 && challenges.every((c) => c.ok), challenges, durationMs: Date.now() - started };
}

interface Solution {
  label: string;
  text: string;
}

async function solutionsOf(root: string, dir: string, files: string[], data: Record<string, unknown> | undefined): Promise<Solution[]> {
  if (typeof data?.solution === 'string' && data.solution.trim()) return [{ label: 'solution (front matter)', text: data.solution }];
  const scripts = files.filter((f) => f.endsWith('.sh')).sort();
  const preferred = scripts.filter((f) => path.basename(f) === 'solution.sh');
  const chosen = preferred.length ? [...preferred, ...scripts.filter((f) => path.basename(f) !== 'solution.sh')] : scripts;
  return Promise.all(chosen.map(async (f) => ({ label: path.relative(dir, f) || f, text: await readFile(path.join(root, f), 'utf8') })));
}

function machinesOf(playground: Playground | undefined): MachineSpec[] {
  const name = playground?.name ?? 'busybox';
  const image = IMAGE_FOR_PLAYGROUND[name];
  if (!image) throw RuntimeErrors.PlaygroundUnsupported(name);
  const listed = playground?.machines ?? [];
  if (listed.length === 0) return [{ name, image }];
  return listed.map((m) => ({ name: m.name, image }));
}

async function applyStartupFiles(playground: Playground | undefined, running: RunningPlayground): Promise<void> {
  for (const m of playground?.machines ?? []) {
    for (const file of m.startupFiles ?? []) {
      const machine = running.machine(m.name);
      const mode = typeof file.mode === 'string' ? parseInt(file.mode, 8) : (file.mode ?? 0o644);
      if (file.append) {
        const tmp = `/run/labkit/append-${Math.random().toString(36).slice(2)}`;
        await machine.copyIn({ path: tmp, content: file.content });
        await machine.exec({ script: `cat '${tmp}' >> '${file.path}' && rm -f '${tmp}'`, timeoutMs: 10_000 });
      } else await machine.copyIn({ path: file.path, content: file.content, mode, owner: file.owner ?? 'root' });
    }
  }
}

async function testOne(
  base: { id: string; name: string; dir: string },
  playgroundSpec: Playground | undefined,
  tasks: Record<string, TaskInput>,
  solution: Solution,
  provider: Provider,
  options: TestChallengesOptions,
): Promise<ChallengeTestReport> {
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const report: ChallengeTestReport = { ...base, solution: solution.label, ok: false, durationMs: 0, tasks: [] };
  progress({ type: 'challenge-start', id: base.id, solution: solution.label });
  let playground: RunningPlayground | undefined;
  let engine: TaskEngine | undefined;
  const lastOutput = new Map<string, string>();
  const prechecks = new Map<string, PrecheckOutcome>();
  const passedAt = new Map<string, number>();
  const finish = (error?: string): ChallengeTestReport => {
    if (error) report.error = error;
    report.durationMs = Date.now() - started;
    if (engine) {
      const snap = engine.snapshot();
      report.tasks = snap.tasks.map((t) => {
        const pre = prechecks.get(t.name) ?? 'not-run';
        const ok = t.kind === 'helper' ? true : t.status === 'completed' && (t.kind === 'init' || pre !== 'passed');
        const out = lastOutput.get(t.name);
        return {
          name: t.name,
          kind: t.kind,
          machine: t.machine,
          precheck: pre,
          status: t.status,
          ok,
          runs: t.runs,
          ...(passedAt.has(t.name) ? { durationMs: passedAt.get(t.name)! } : {}),
          ...(t.detail ? { detail: t.detail } : {}),
          ...(!ok && out ? { lastOutput: out } : {}),
        };
      });
    }
    report.ok = !report.error && report.tasks.every((t) => t.ok);
    progress({ type: 'challenge-done', report });
    return report;
  };
  try {
    progress({ type: 'phase', id: base.id, phase: 'boot' });
    let t = Date.now();
    playground = await provider.provision({ machines: machinesOf(playgroundSpec) });
    await applyStartupFiles(playgroundSpec, playground);
    report.bootMs = Date.now() - t;

    engine = new TaskEngine({ tasks, playground, ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}) });
    let solutionStarted = 0;
    engine.subscribe((e) => {
      if (e.type === 'task') {
        progress({ type: 'task', id: base.id, task: e.task, status: e.status });
        if (e.status === 'completed' && solutionStarted) passedAt.set(e.task, e.at - solutionStarted);
      }
      if (e.type === 'result' && e.script === 'run' && e.exitCode !== 0) {
        lastOutput.set(e.task, (e.stdout + e.stderr).trim().slice(-400) || (e.timedOut ? 'timed out' : `exit ${e.exitCode}`));
      }
      if (e.type === 'result' && !solutionStarted && e.exitCode === 0) passedAt.set(e.task, e.durationMs); // init tasks
    });

    progress({ type: 'phase', id: base.id, phase: 'init' });
    t = Date.now();
    const initOk = await engine.runInit();
    report.initMs = Date.now() - t;
    if (!initOk) return finish(`init failed: ${engine.snapshot().tasks.find((x) => x.status === 'failed')?.detail ?? 'unknown'}`);

    progress({ type: 'phase', id: base.id, phase: 'precheck' });
    const regular = engine.tasksOf('regular');
    for (const name of regular) {
      const needs = tasks[name]?.needs ?? [];
      const blocked = needs.some((n) => engine!.snapshot().tasks.find((x) => x.name === n)?.status !== 'completed');
      if (blocked) {
        prechecks.set(name, 'blocked');
        continue;
      }
      const ev = await engine.evaluate(name);
      prechecks.set(name, ev.passed ? 'passed' : 'failed');
    }

    // The checks poll while the solution runs: a solution may wait on them (`examinerctl task wait`).
    progress({ type: 'phase', id: base.id, phase: 'solution' });
    solutionStarted = Date.now();
    engine.start();
    for (const chunk of splitSolution(solution.text)) {
      const machine = chunk.machine ? playground.machine(chunk.machine) : playground.machines[0]!;
      let attempt = 0;
      for (;;) {
        const r = await machine.exec({ script: chunk.script, user: chunk.user, timeoutMs: options.solutionTimeoutMs ?? 300_000, maxOutputBytes: 256 * 1024 });
        if (r.exitCode === 0) break;
        if (attempt++ >= chunk.retries) {
          report.solutionMs = Date.now() - solutionStarted;
          const why = r.timedOut ? 'timed out' : `exited ${r.exitCode}`;
          return finish(`solution ${why} on ${machine.name}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    report.solutionMs = Date.now() - solutionStarted;

    progress({ type: 'phase', id: base.id, phase: 'checks' });
    const longest = Math.max(60, ...Object.values(tasks).map((x) => x.timeout_seconds ?? 60));
    const passed = await engine.waitFor(regular, options.settleTimeoutMs ?? (longest + 30) * 1000);
    if (!passed && engine.status === 'failed') return finish(engine.snapshot().tasks.find((x) => x.status === 'failed')?.detail ?? 'the attempt failed');
    return finish(); // tasks that did not pass make the report fail
  } catch (error) {
    return finish(isLabkitError(error) ? `${error.title}: ${error.message}` : String(error));
  } finally {
    await engine?.stop();
    await playground?.dispose();
  }
}

async function runLimited<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, jobs.length)) }, worker));
  return results;
}
