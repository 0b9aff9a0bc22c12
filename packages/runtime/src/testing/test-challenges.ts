import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { canonicalJson, isLabkitError, loadContent, playgroundsOf, sha256Hex, type ContentGraph, type Playground, type PlaygroundEntry, type TaskInput } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import type { Provider, RunningPlayground } from '../provider.ts';
import type { PlaygroundMachine } from '../server/catalog.ts';
import { playgroundMachines } from '../server/playground-machines.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import { TaskEngine } from '../engine/task-engine.ts';
import type { TaskKind, TaskStatus } from '../engine/events.ts';
import { conditionCombinations, describeConditions, resolveConditions, type ConditionValues, type InitConditionValue } from '../engine/conditions.ts';
import { inputDestinations } from '../engine/destinations.ts';
import { splitSolution } from './solution.ts';
import type { TestPhase, WideEvent, WideEventBody } from './wide-events.ts';

/** Fail fast: how long a check that keeps failing is polled after the solution has finished (a task's `settle_seconds` wins). */
export const DEFAULT_SETTLE_MS = 10_000;

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
  /** Init condition values the playground started with (tasks whose `conditions` differ were left out). */
  conditions: ConditionValues;
  ok: boolean;
  /** Why the challenge failed as a whole (boot, init, no solution...). */
  error?: string;
  bootMs?: number;
  initMs?: number;
  solutionMs?: number;
  precheckMs?: number;
  /** From the end of the solution until every check passed or was given up. */
  checksMs?: number;
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
  /** Hard limit for checks to pass after the solution (default: the longest task timeout + 30 s). */
  settleTimeoutMs?: number;
  /**
   * Fail fast: once the solution has finished, a check still failing after
   * this window (and after one full evaluation that started after the
   * solution) is reported failed instead of polled until the hard limit.
   * Default {@link DEFAULT_SETTLE_MS}; a task's `settle_seconds` wins.
   */
  settleMs?: number;
  /** Only challenges whose name or id matches one of these. */
  filter?: string[];
  /** Init condition values to start with (`--condition key=value`); other keys take the playground's defaults. */
  conditions?: ConditionValues;
  /** Test every declared combination of init condition values (`--all-conditions`), not only the defaults. */
  allConditions?: boolean;
  /** One wide event per task run, machine lifecycle step and phase (`--events out.jsonl`). */
  onEvent?: (event: WideEvent) => void;
  /**
   * A failed run's playground, still running (`--keep-on-fail`, `--shell`):
   * return true to take it over (the caller disposes it), false to let the
   * run dispose it as usual.
   */
  keepFailed?: (kept: { report: ChallengeTestReport; playground: RunningPlayground }) => boolean;
  /**
   * CI solutions from outside the content (`lab test --solution [challenge=]file`),
   * for content that must stay read-only or has only a prose `solution.md`.
   * Each replaces the named challenge's own solutions; one without a
   * challenge needs exactly one challenge selected. Checked before any boot.
   */
  solutions?: ExternalSolution[];
}

/** `--solution <file>` or `--solution <challenge>=<file>`: a solution script (same format as `.solution-NN.sh`) kept outside the challenge. */
export interface ExternalSolution {
  /** Challenge name or id; undefined = the one challenge selected. */
  challenge?: string;
  /** Path of the script (relative to the working directory). */
  file: string;
}

/**
 * `lab test`: proves every challenge solvable (in each folder of `paths`, or
 * each graph already loaded). For each challenge (and each
 * of its solutions, from a fresh playground): boot, run init, run the checks
 * expecting them to fail (the learner did nothing), run the solution, and
 * wait for every check to pass.
 */
export async function testChallenges(paths: ReadonlyArray<string | ContentGraph>, options: TestChallengesOptions = {}): Promise<TestRunReport> {
  const started = Date.now();
  const jobs: Array<() => Promise<ChallengeTestReport>> = [];
  const provider = options.provider ?? new QemuProvider();
  const selected: Array<{ graph: ContentGraph; item: ContentGraph['items'][number]; base: { id: string; name: string; dir: string } }> = [];
  for (const p of paths.length ? paths : ['.']) {
    // A graph the caller holds (`lab publish --test` loaded it once) is used as is.
    const graph = typeof p === 'string' ? await loadContent(p) : p;
    const challenges = graph.items.filter((item) => item.kind === 'challenge');
    if (challenges.length === 0) throw RuntimeErrors.ChallengeNotFound(path.resolve(graph.root));
    for (const item of challenges) {
      // A challenge folder passed directly is the content root: name it after the folder.
      const name = item.dir === '' ? path.basename(graph.root) : item.name;
      const base = { id: item.dir === '' ? `challenge:${name}` : item.id, name, dir: path.join(graph.root, item.dir) };
      if (options.filter?.length && !options.filter.some((f) => f === base.name || f === base.id)) continue;
      selected.push({ graph, item, base });
    }
  }
  const external = await externalSolutions(options.solutions ?? [], selected.map((s) => s.base));
  const definitionsOf = new Map<ContentGraph, Map<string, PlaygroundEntry>>();
  for (const { graph, item, base } of selected) {
    const definitions = definitionsOf.get(graph) ?? definitionsOf.set(graph, playgroundsOf(graph)).get(graph)!;
    const solutions = external.get(base.id) ?? (await solutionsOf(graph.root, item.dir, item.solutions, item.data));
    const playgroundName = item.playground?.name ?? 'busybox';
    const entry = definitions.get(playgroundName);
    // The definition's init tasks run first, as the platform runs them.
    const tasks: Record<string, TaskInput> = { ...initTasksOf(entry), ...Object.fromEntries(item.tasks.map((t) => [t.name, t.task])) };
    if (solutions.length === 0) {
      jobs.push(async () => ({ ...base, solution: undefined, conditions: {}, ok: false, error: 'no solution: add `solution.sh`, `.solution-NN.sh` or a `solution` field, or pass one with `lab test --solution`', durationMs: 0, tasks: [] }));
    }
    const declared = entry?.definition.playground.initConditions?.values as InitConditionValue[] | undefined;
    const variants = options.allConditions ? conditionCombinations(declared, tasks, options.conditions) : [resolveConditions(declared, options.conditions)];
    const setup: ChallengeSetup = {
      machines: entry ? machinesOf(item.playground, entry) : undefined,
      playgroundName,
      playgroundDigest: entry ? sha256Hex(canonicalJson(entry.definition)).slice(0, 16) : undefined,
      tasks,
      destinations: inputDestinations(item.mdast),
    };
    for (const conditions of variants) {
      for (const solution of solutions) jobs.push(() => testOne(base, setup, conditions, solution, provider, options));
    }
  }
  const challenges = await runLimited(jobs, options.concurrency ?? os.availableParallelism());
  return { ok: challenges.length > 0 && challenges.every((c) => c.ok), challenges, durationMs: Date.now() - started };
}

interface Solution {
  label: string;
  text: string;
}

/**
 * Maps each `--solution` to one selected challenge (by id) and reads it.
 * Throws, before anything boots, on a script without a challenge when not
 * exactly one is selected, a name that selects none, two scripts for one
 * challenge, and a file that cannot be read or holds no command.
 */
async function externalSolutions(given: readonly ExternalSolution[], selected: ReadonlyArray<{ id: string; name: string }>): Promise<Map<string, Solution[]>> {
  const out = new Map<string, Solution[]>();
  const names = selected.map((c) => c.name);
  for (const s of given) {
    let target: { id: string; name: string } | undefined;
    if (s.challenge === undefined) {
      if (selected.length !== 1) throw RuntimeErrors.SolutionNeedsChallenge(s.file, names);
      target = selected[0];
    } else {
      target = selected.find((c) => c.name === s.challenge || c.id === s.challenge);
      if (!target) throw RuntimeErrors.SolutionChallengeUnknown(s.challenge, names);
    }
    if (out.has(target!.id)) throw RuntimeErrors.SolutionTwice(target!.name);
    let text: string;
    try {
      text = await readFile(s.file, 'utf8');
    } catch (error) {
      throw RuntimeErrors.SolutionUnreadable(s.file, (error as NodeJS.ErrnoException).code ?? String(error));
    }
    if (!splitSolution(text).some((chunk) => chunk.script.split('\n').some((line) => line.trim() && !line.trim().startsWith('#')))) throw RuntimeErrors.SolutionEmpty(s.file);
    out.set(target!.id, [{ label: `${s.file} (--solution)`, text }]);
  }
  return out;
}

async function solutionsOf(root: string, dir: string, files: string[], data: Record<string, unknown> | undefined): Promise<Solution[]> {
  if (typeof data?.solution === 'string' && data.solution.trim()) return [{ label: 'solution (front matter)', text: data.solution }];
  const scripts = files.filter((f) => f.endsWith('.sh')).sort();
  const preferred = scripts.filter((f) => path.basename(f) === 'solution.sh');
  const chosen = preferred.length ? [...preferred, ...scripts.filter((f) => path.basename(f) !== 'solution.sh')] : scripts;
  return Promise.all(chosen.map(async (f) => ({ label: path.relative(dir, f) || f, text: await readFile(path.join(root, f), 'utf8') })));
}

function machinesOf(playground: Playground | undefined, entry: PlaygroundEntry): PlaygroundMachine[] {
  return playgroundMachines(playground ?? { name: entry.name }, entry);
}

function initTasksOf(entry: PlaygroundEntry | undefined): Record<string, TaskInput> {
  return Object.fromEntries(Object.entries(entry?.definition.playground.initTasks ?? {}).map(([name, task]) => [name, { ...task, init: true }]));
}

async function applyStartupFiles(machines: PlaygroundMachine[], running: RunningPlayground): Promise<void> {
  for (const m of machines) {
    for (const file of m.startupFiles) {
      const machine = running.machine(m.name);
      if (file.append) {
        const tmp = `/run/labkit/append-${Math.random().toString(36).slice(2)}`;
        await machine.copyIn({ path: tmp, content: file.content });
        await machine.exec({ script: `cat '${tmp}' >> '${file.path}' && rm -f '${tmp}'`, timeoutMs: 10_000 });
      } else await machine.copyIn({ path: file.path, content: file.content, mode: file.mode ?? 0o644, owner: file.owner ?? 'root' });
    }
  }
}

/** What every run of one challenge shares. */
interface ChallengeSetup {
  machines: PlaygroundMachine[] | undefined;
  playgroundName: string;
  playgroundDigest: string | undefined;
  tasks: Record<string, TaskInput>;
  /** `:destination:` files of the body's `::user-input-task`s. */
  destinations: Record<string, string>;
}

async function testOne(
  base: { id: string; name: string; dir: string },
  setup: ChallengeSetup,
  conditions: ConditionValues,
  solution: Solution,
  provider: Provider,
  options: TestChallengesOptions,
): Promise<ChallengeTestReport> {
  const { machines, playgroundName, tasks } = setup;
  const started = Date.now();
  const progress = options.onProgress ?? (() => {});
  const report: ChallengeTestReport = { ...base, solution: solution.label, conditions, ok: false, durationMs: 0, tasks: [] };
  const runId = randomBytes(6).toString('hex');
  const wide = (body: WideEventBody): void => {
    options.onEvent?.({
      time: new Date().toISOString(),
      run: runId,
      challenge: base.id,
      solution: solution.label,
      conditions: describeConditions(conditions),
      playground: playgroundName,
      playgroundDigest: setup.playgroundDigest,
      ...body,
    } as WideEvent);
  };
  let phase: { name: TestPhase; at: number } | undefined;
  const enterPhase = (name: TestPhase | undefined, ok = true): void => {
    if (phase) wide({ type: 'phase', phase: phase.name, durationMs: Date.now() - phase.at, ok });
    phase = name ? { name, at: Date.now() } : undefined;
    if (name && name !== 'teardown') progress({ type: 'phase', id: base.id, phase: name });
  };
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
    return report;
  };
  const machineNames = (machines ?? []).map((m) => m.name);
  const gaveUp = new Map<string, string>();
  const done = async (error?: string): Promise<ChallengeTestReport> => {
    const r = finish(error);
    for (const t of r.tasks) if (!t.ok && gaveUp.has(t.name)) t.detail = gaveUp.get(t.name);
    enterPhase('teardown', r.ok);
    await engine?.stop();
    if (!r.ok && playground && options.keepFailed?.({ report: r, playground })) playground = undefined;
    const t = Date.now();
    try {
      await playground?.dispose();
      if (playground) wide({ type: 'machine', step: 'dispose', machines: machineNames, durationMs: Date.now() - t, ok: true });
    } catch (e) {
      wide({ type: 'machine', step: 'dispose', machines: machineNames, durationMs: Date.now() - t, ok: false, error: String(e) });
    }
    playground = undefined;
    enterPhase(undefined);
    r.durationMs = Date.now() - started;
    wide({ type: 'challenge', ok: r.ok, durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}), failedTasks: r.tasks.filter((x) => !x.ok).map((x) => x.name) });
    progress({ type: 'challenge-done', report: r });
    return r;
  };
  let currentPhase: 'init' | 'precheck' | 'checks' = 'init';
  try {
    enterPhase('boot');
    let t = Date.now();
    if (!machines) throw RuntimeErrors.PlaygroundUnsupported(playgroundName);
    try {
      playground = await provider.provision({ machines });
      wide({ type: 'machine', step: 'provision', machines: machineNames, durationMs: Date.now() - t, ok: true });
    } catch (error) {
      wide({ type: 'machine', step: 'provision', machines: machineNames, durationMs: Date.now() - t, ok: false, error: messageOf(error) });
      throw error;
    }
    const filesAt = Date.now();
    await applyStartupFiles(machines, playground);
    wide({ type: 'machine', step: 'startup-files', machines: machineNames, durationMs: Date.now() - filesAt, ok: true });
    report.bootMs = Date.now() - t;

    engine = new TaskEngine({
      tasks,
      playground,
      conditions,
      destinations: setup.destinations,
      ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}),
    });
    let solutionStarted = 0;
    const kinds = new Map(engine.snapshot().tasks.map((x) => [x.name, x.kind]));
    engine.subscribe((e) => {
      if (e.type === 'task') {
        progress({ type: 'task', id: base.id, task: e.task, status: e.status });
        if (e.status === 'completed' && solutionStarted) passedAt.set(e.task, e.at - solutionStarted);
      }
      if (e.type === 'machine') wide({ type: 'machine', step: 'state', machines: [e.machine], state: e.state, durationMs: 0, ok: e.state !== 'failed' });
      if (e.type === 'result') {
        wide({
          type: 'task-run',
          task: e.task,
          kind: kinds.get(e.task) ?? 'regular',
          machine: e.machine,
          script: e.script,
          phase: currentPhase,
          attempt: e.attempt,
          exitCode: e.exitCode,
          timedOut: e.timedOut,
          truncated: e.truncated,
          durationMs: e.durationMs,
          stdoutBytes: Buffer.byteLength(e.stdout),
          stderrBytes: Buffer.byteLength(e.stderr),
        });
      }
      if (e.type === 'result' && e.script === 'run' && e.exitCode !== 0) {
        lastOutput.set(e.task, (e.stdout + e.stderr).trim().slice(-400) || (e.timedOut ? 'timed out' : `exit ${e.exitCode}`));
      }
      if (e.type === 'result' && !solutionStarted && e.exitCode === 0) passedAt.set(e.task, e.durationMs); // init tasks
    });

    enterPhase('init');
    t = Date.now();
    const initOk = await engine.runInit();
    report.initMs = Date.now() - t;
    if (!initOk) return await done(`init failed: ${engine.snapshot().tasks.find((x) => x.status === 'failed')?.detail ?? 'unknown'}`);

    enterPhase('precheck');
    currentPhase = 'precheck';
    t = Date.now();
    const regular = engine.tasksOf('regular');
    for (const name of regular) {
      const needs = tasks[name]?.needs ?? [];
      const blocked = needs.some((n) => engine!.snapshot().tasks.find((x) => x.name === n)?.status !== 'completed');
      if (blocked) {
        prechecks.set(name, 'blocked');
        continue;
      }
      const ev = await engine.evaluate(name);
      for (const [script, r] of [['failcheck', ev.failcheck], ['run', ev.run], ['hintcheck', ev.hintcheck]] as const) {
        if (!r) continue;
        wide({ type: 'task-run', task: name, kind: 'regular', machine: engine.snapshot().tasks.find((x) => x.name === name)!.machine, script, phase: 'precheck', attempt: 0, exitCode: r.exitCode, timedOut: r.timedOut, truncated: r.truncated, durationMs: r.durationMs, stdoutBytes: Buffer.byteLength(r.stdout), stderrBytes: Buffer.byteLength(r.stderr) });
      }
      prechecks.set(name, ev.passed ? 'passed' : 'failed');
    }
    report.precheckMs = Date.now() - t;

    // The checks poll while the solution runs: a solution may wait on them (`examinerctl task wait`).
    enterPhase('solution');
    currentPhase = 'checks';
    solutionStarted = Date.now();
    engine.start();
    let index = 0;
    for (const chunk of splitSolution(solution.text)) {
      const machine = chunk.machine ? playground.machine(chunk.machine) : playground.machines[0]!;
      let attempt = 0;
      for (;;) {
        const r = await machine.exec({ script: chunk.script, user: chunk.user, timeoutMs: options.solutionTimeoutMs ?? 300_000, maxOutputBytes: 256 * 1024 });
        wide({ type: 'solution-chunk', machine: machine.name, user: chunk.user, chunk: index, attempt: attempt + 1, exitCode: r.exitCode, timedOut: r.timedOut, durationMs: r.durationMs, stdoutBytes: Buffer.byteLength(r.stdout), stderrBytes: Buffer.byteLength(r.stderr) });
        if (r.exitCode === 0) break;
        if (attempt++ >= chunk.retries) {
          report.solutionMs = Date.now() - solutionStarted;
          const why = r.timedOut ? 'timed out' : `exited ${r.exitCode}`;
          return await done(`solution ${why} on ${machine.name}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
      index++;
    }
    report.solutionMs = Date.now() - solutionStarted;

    enterPhase('checks');
    t = Date.now();
    const longest = Math.max(60, ...Object.values(tasks).map((x) => x.timeout_seconds ?? 60));
    await settleChecks(engine, regular, tasks, {
      solutionEnded: Date.now(),
      settleMs: options.settleMs ?? DEFAULT_SETTLE_MS,
      limitMs: options.settleTimeoutMs ?? (longest + 30) * 1000,
      gaveUp,
    });
    report.checksMs = Date.now() - t;
    if (engine.status === 'failed') return await done(engine.snapshot().tasks.find((x) => x.status === 'failed')?.detail ?? 'the attempt failed');
    return await done(); // tasks that did not pass make the report fail
  } catch (error) {
    return await done(messageOf(error));
  } finally {
    await engine?.stop();
    await playground?.dispose();
  }
}

/**
 * Waits until every regular task has completed, failed, or is given up.
 * Fail fast: a task is given up once `settle` has passed since the solution
 * ended (its `settle_seconds`, else `settleMs`) and its latest evaluation
 * both started after the solution ended and has finished; a check in
 * flight is waited for, so `timeout_seconds` still bounds a slow check. A
 * task blocked on a given-up task, or still waiting for input, is given up
 * with the window. `limitMs` is the hard limit for all of it.
 */
async function settleChecks(
  engine: TaskEngine,
  regular: string[],
  tasks: Record<string, TaskInput>,
  o: { solutionEnded: number; settleMs: number; limitMs: number; gaveUp: Map<string, string> },
): Promise<void> {
  const hardLimit = o.solutionEnded + o.limitMs;
  for (;;) {
    const now = Date.now();
    const snap = new Map(engine.snapshot().tasks.map((t) => [t.name, t]));
    let pending = 0;
    for (const name of regular) {
      const t = snap.get(name);
      if (!t || t.status === 'completed' || t.status === 'failed' || o.gaveUp.has(name)) continue;
      const settle = tasks[name]?.settle_seconds !== undefined ? tasks[name]!.settle_seconds! * 1000 : o.settleMs;
      const windowOver = now >= o.solutionEnded + settle;
      const inFlight = (t.checkStartedAt ?? 0) > (t.checkEndedAt ?? 0);
      const evaluatedSince = (t.checkStartedAt ?? 0) >= o.solutionEnded && !inFlight;
      const s = Math.round(settle / 100) / 10;
      if (windowOver && t.status === 'running' && evaluatedSince) o.gaveUp.set(name, `still failing ${s} s after the solution finished (settle window; raise settle_seconds or --settle if the check needs longer)`);
      else if (windowOver && t.status === 'waiting') o.gaveUp.set(name, `no answer ${s} s after the solution finished (answer it with \`examinerctl task input ${name}\`)`);
      else if (windowOver && t.status === 'blocked' && (tasks[name]?.needs ?? []).some((n) => o.gaveUp.has(n) || snap.get(n)?.status === 'failed')) o.gaveUp.set(name, 'blocked by a task that did not pass');
      else pending++;
    }
    if (pending === 0 || engine.status === 'failed') return;
    if (now >= hardLimit) {
      for (const name of regular) if (!o.gaveUp.has(name) && snap.get(name)?.status !== 'completed') o.gaveUp.set(name, `did not pass within ${Math.round(o.limitMs / 1000)} s of the solution finishing`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function messageOf(error: unknown): string {
  return isLabkitError(error) ? `${error.title}: ${error.message}` : String(error);
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
