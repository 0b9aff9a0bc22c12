import path from 'node:path';
import { DEFAULT_TASK_TIMEOUT_SECONDS, isLabkitError, type TaskInput } from '@labkit/sdk';
import type { ExecResult, MachineState, RunningPlayground } from '../provider.ts';
import { agentRefusal, RuntimeErrors } from '../errors.ts';
import { selectTasks, type ConditionValues } from './conditions.ts';
import { TASK_STATUS_CODES, type EngineEvent, type PlaygroundStatus, type ScriptKind, type TaskKind, type TaskSnapshot, type TaskStatus } from './events.ts';
import { expandEnv, expandScript, usesInput, type ExpandContext } from './expand.ts';
import { dependencyOrder, kindOf } from './task-graph.ts';

/** Seconds between two evaluations of a regular task (and two runs of a helper). */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

export interface TaskEngineOptions {
  /** The `tasks:` map as authored (`timeout_seconds` may be absent: 60 s). */
  tasks: Record<string, TaskInput>;
  playground: RunningPlayground;
  pollIntervalMs?: number;
  /** Per-stream output cap of one script execution. */
  maxOutputBytes?: number;
  /**
   * Mirror task statuses into the guests (`/run/labkit/status/<task>`) and
   * take `x(.input)` answers from `/run/labkit/input/<task>`, which is what
   * the guest's `examinerctl task wait|input` shim reads and writes. Default true.
   */
  guestBridge?: boolean;
  /**
   * The init condition values this playground started with. A task whose
   * `conditions` do not all match is left out: never run, never listed
   * (see `selectTasks`). Default: no values, so only tasks without
   * conditions (or whose conditions ask for empty values) run.
   */
  conditions?: ConditionValues;
  /**
   * `::user-input-task` `:destination:` files by task name: each answer
   * the task gets is written to that file in the task's machine (as data,
   * root-owned, mode 0644) before the task's next check.
   */
  destinations?: Record<string, string>;
}

/** One evaluation of a task: failcheck, then run, then (if run failed) hintcheck. */
export interface Evaluation {
  /** `run` exited 0 (and failcheck, if any, passed). */
  passed: boolean;
  /** `failcheck` exited non-zero: the attempt is failed. */
  failed: boolean;
  hint?: string;
  run?: ExecResult;
  failcheck?: ExecResult;
  hintcheck?: ExecResult;
}

interface TaskState extends TaskSnapshot {
  spec: TaskInput;
  stderr?: string;
  /** The answer last written to the task's `:destination:` file. */
  written?: string;
  /** Why the last `:destination:` write was refused (one warning per reason, not one per poll). */
  refused?: string;
}

/**
 * Takes the answer `examinerctl task input` left for task `$T`. Any user may
 * write /run/labkit/input (mode 1733: laborant answers too), so whatever
 * stands there is the learner's and this script runs as root: it first
 * renames the entry into a root-only folder (a rename moves a symlink, never
 * follows it, and nobody but root can change the entry once it is there),
 * then reads it only if it is a plain file with one link (not a symlink to
 * /etc/shadow, a FIFO that would hang the read, or a hard link to a root
 * file). Exit 1: no answer; 3: refused (the reason on stderr).
 */
const TAKE_GUEST_INPUT = [
  // A task name is content's, any string: one that is not a single path component has no answer file.
  'case "$T" in ""|.|..|*/*) exit 1 ;; esac',
  'f=/run/labkit/input/$T k=/run/labkit/taken',
  '[ -e "$f" ] || [ -L "$f" ] || exit 1',
  'mkdir -p -m 700 "$k" && rm -rf "$k/$T" && mv -f "$f" "$k/$T" || exit 1',
  'if [ -L "$k/$T" ] || [ ! -f "$k/$T" ] || [ "$(stat -c %h "$k/$T")" != 1 ]; then',
  '  rm -rf "$k/$T"; echo "it is not a plain file with one link" >&2; exit 3',
  'fi',
  'cat "$k/$T" && rm -f "$k/$T"',
].join('\n');

/**
 * The task engine: what an examiner does on a playground.
 *
 * - init tasks run once each, all at once, each as soon as the init tasks
 *   it `needs` have completed, before any other task;
 * - regular tasks are polled (~1 s) until `run` exits 0; the first observed
 *   pass (or failcheck failure) is final: statuses never regress;
 * - helper tasks loop in the background and never block completion;
 * - `needs` gates a task until the tasks it needs have completed, and their
 *   stdout feeds `x(.needs.T.stdout)`; `x(.input)` waits for `setInput()`;
 * - `hintcheck`'s stdout becomes the live hint; `failcheck` failing fails
 *   that task only (and the tasks that need it); the others keep running;
 * - tasks whose `conditions` do not match the playground's init condition
 *   values are left out.
 *
 * Everything observable is an `EngineEvent`: `subscribe()` to the stream and
 * `snapshot()` for the current state, which is all a WebSocket server needs.
 */
export class TaskEngine {
  #tasks = new Map<string, TaskState>();
  #order: string[];
  #playground: RunningPlayground;
  #status: PlaygroundStatus = 'starting';
  #listeners = new Set<(event: EngineEvent) => void>();
  #inputs = new Map<string, string>();
  #pollMs: number;
  #maxOutput: number | undefined;
  #stopped = false;
  #wake = new Set<() => void>();
  #loops: Promise<void>[] = [];
  #unsubscribeMachines: Array<() => void> = [];
  #guestBridge: boolean;
  #destinations: Record<string, string>;

  constructor(options: TaskEngineOptions) {
    this.#playground = options.playground;
    this.#pollMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#maxOutput = options.maxOutputBytes;
    this.#guestBridge = options.guestBridge ?? true;
    this.#destinations = options.destinations ?? {};
    const tasks = selectTasks(options.tasks, options.conditions ?? {});
    const { order, broken } = dependencyOrder(tasks);
    this.#order = order;
    const defaultMachine = options.playground.machines[0]?.name ?? '';
    for (const name of order) {
      const spec = tasks[name]!;
      const state: TaskState = {
        name,
        kind: kindOf(spec),
        status: spec.needs?.length ? 'blocked' : 'waiting',
        machine: spec.machine ?? defaultMachine,
        runs: 0,
        spec,
      };
      const problem = broken.get(name);
      if (problem) Object.assign(state, { status: 'failed', detail: problem });
      this.#tasks.set(name, state);
    }
    for (const machine of options.playground.machines) {
      this.#unsubscribeMachines.push(
        machine.onStateChange((state, detail) => {
          this.#emit({ type: 'machine', machine: machine.name, state, ...(detail ? { detail } : {}), at: Date.now() });
          if (state === 'failed') this.#setPlayground('failed', `machine ${machine.name} ${detail ?? 'failed'}`);
        }),
      );
    }
  }

  /** Listens to every event from now on; returns the unsubscribe function. */
  subscribe(listener: (event: EngineEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(): { playground: PlaygroundStatus; machines: Array<{ name: string; state: MachineState }>; tasks: TaskSnapshot[] } {
    return {
      playground: this.#status,
      machines: this.#playground.machines.map((m) => ({ name: m.name, state: m.state })),
      tasks: this.#order.map((name) => {
        const { spec: _spec, stderr: _stderr, ...snapshot } = this.#tasks.get(name)!;
        return snapshot;
      }),
    };
  }

  get status(): PlaygroundStatus {
    return this.#status;
  }

  /** Names of tasks of one kind, in dependency order. */
  tasksOf(kind: TaskKind): string[] {
    return this.#order.filter((name) => this.#tasks.get(name)!.kind === kind);
  }

  /**
   * Runs every init task once. They all start at once; each waits only for
   * the init tasks it `needs` (so two init tasks may wait for each other's
   * side effects). Resolves true when all passed, false as soon as one
   * fails (the playground is then `failed`; init tasks not yet started are
   * not started).
   */
  runInit(): Promise<boolean> {
    this.#setPlayground('initializing');
    for (const task of this.#tasks.values()) this.#publishStatus(task);
    const runs = new Map<string, Promise<boolean>>();
    return new Promise<boolean>((resolve) => {
      const fail = (task: TaskState, why: string) => {
        this.#setTask(task, 'failed', why);
        this.#setPlayground('failed', `init task ${task.name} ${why}`);
        resolve(false);
        return false;
      };
      const runOne = async (task: TaskState): Promise<boolean> => {
        if (task.status === 'failed') return fail(task, task.detail ?? 'cannot run');
        for (const need of task.spec.needs ?? []) {
          const dep = runs.get(need);
          const ok = dep ? await dep : this.#tasks.get(need)?.status === 'completed';
          if (!ok) return this.#status === 'failed' ? false : fail(task, `cannot run: \`${need}\` did not complete`);
        }
        if (this.#stopped || this.#status === 'failed') return false;
        this.#setTask(task, 'running');
        try {
          const result = await this.#exec(task, 'run', task.spec.run);
          if (result.exitCode === 0) {
            this.#complete(task, result);
            return true;
          }
          return fail(task, result.timedOut ? `timed out after ${this.#timeoutSeconds(task)} s` : `exited ${result.exitCode}`);
        } catch (error) {
          this.#crash(task, error);
          resolve(false);
          return false;
        }
      };
      // Dependency order: a task's needs have their promise before it asks for them.
      for (const name of this.tasksOf('init')) runs.set(name, runOne(this.#tasks.get(name)!));
      void Promise.all(runs.values()).then((results) => {
        if (results.every(Boolean)) {
          this.#setPlayground('running');
          resolve(true);
        } else resolve(false);
      });
    });
  }

  /** Starts polling regular tasks and looping helpers (after `runInit()`). */
  start(): void {
    if (this.#status === 'initializing' || this.#status === 'starting') this.#setPlayground('running');
    for (const name of this.tasksOf('helper')) this.#loops.push(this.#helperLoop(this.#tasks.get(name)!));
    for (const name of this.tasksOf('regular')) this.#loops.push(this.#pollLoop(this.#tasks.get(name)!));
    this.#checkCompleted();
  }

  /** The learner's answer for a `x(.input)` (or `:destination:`) task. */
  setInput(task: string, value: string): void {
    this.#inputs.set(task, value);
    this.#wakeAll();
  }

  /**
   * One evaluation of a task without touching its state: what `lab test`
   * uses to show that the checks fail before the solution is applied.
   */
  async evaluate(name: string): Promise<Evaluation> {
    const task = this.#tasks.get(name);
    if (!task) throw RuntimeErrors.UnknownTask(name, [...this.#tasks.keys()]);
    return this.#evaluate(task, false);
  }

  /** Resolves true once all `names` (default: every regular task) are completed; false on failure, stop or timeout. */
  waitFor(names: string[] = this.tasksOf('regular'), timeoutMs = Infinity): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): boolean => {
        const states = names.map((n) => this.#tasks.get(n)?.status);
        if (states.every((s) => s === 'completed')) return finish(true);
        if (states.some((s) => s === 'failed') || this.#stopped || this.#status === 'failed') return finish(false);
        return false;
      };
      const finish = (value: boolean): true => {
        unsubscribe();
        if (timer) clearTimeout(timer);
        resolve(value);
        return true;
      };
      const unsubscribe = this.subscribe((e) => {
        if (e.type === 'task' || e.type === 'playground') check();
      });
      if (check()) return;
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => finish(false), timeoutMs);
    });
  }

  /** Stops polling; executions in flight finish (or die with the playground). */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#wakeAll();
    for (const off of this.#unsubscribeMachines) off();
    if (this.#status !== 'completed' && this.#status !== 'failed') this.#setPlayground('stopped');
  }

  /** Waits for the loops to notice a stop (tests use it to make sure nothing runs after). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.#loops);
  }

  // ---- internals ------------------------------------------------------

  async #pollLoop(task: TaskState): Promise<void> {
    while (!this.#stopped && task.status !== 'completed' && task.status !== 'failed') {
      if (this.#status === 'failed') return;
      if (!this.#needsMet(task)) {
        const failed = (task.spec.needs ?? []).find((n) => this.#tasks.get(n)?.status === 'failed');
        if (failed) {
          this.#setTask(task, 'failed', `cannot run: \`${failed}\` failed`);
          this.#wakeAll();
          return;
        }
        if (task.status !== 'blocked') this.#setTask(task, 'blocked');
        await this.#sleep(Infinity);
        continue;
      }
      // A task that takes input but does not wait for it (a `:destination:` file its run reads) still picks up a guest answer.
      if (this.#guestBridge && this.#takesInput(task) && !this.#inputs.has(task.name)) await this.#readGuestInput(task);
      if (this.#awaitingInput(task)) {
        if (task.detail !== 'waiting for input') this.#setTask(task, 'waiting', 'waiting for input');
        await this.#sleep(this.#guestBridge ? this.#pollMs : Infinity);
        continue;
      }
      if (task.status !== 'running') this.#setTask(task, 'running');
      try {
        if (!(await this.#writeDestination(task))) {
          await this.#sleep(this.#pollMs); // its check would read a stale file: try again
          continue;
        }
        task.checkStartedAt = Date.now();
        const evaluation = await this.#evaluate(task, true).finally(() => (task.checkEndedAt = Date.now()));
        if (this.#stopped) return;
        if (evaluation.failed) {
          // The format reference: failcheck fails the task it guards, nothing else.
          this.#setTask(task, 'failed', `failcheck: ${firstLine(evaluation.failcheck) || `exited ${evaluation.failcheck?.exitCode}`}`);
          this.#wakeAll(); // tasks that need this one fail too
          return;
        }
        if (evaluation.passed) {
          this.#complete(task, evaluation.run!);
          this.#checkCompleted();
          return;
        }
      } catch (error) {
        this.#crash(task, error);
        return;
      }
      await this.#sleep(this.#pollMs);
    }
  }

  async #helperLoop(task: TaskState): Promise<void> {
    while (!this.#stopped && this.#status !== 'failed') {
      if (!this.#needsMet(task)) {
        await this.#sleep(Infinity);
        continue;
      }
      if (task.status !== 'running') this.#setTask(task, 'running');
      try {
        await this.#exec(task, 'run', task.spec.run);
      } catch (error) {
        this.#crash(task, error);
        return;
      }
      await this.#sleep(this.#pollMs);
    }
  }

  async #evaluate(task: TaskState, live: boolean): Promise<Evaluation> {
    const out: Evaluation = { passed: false, failed: false };
    if (task.spec.failcheck) {
      out.failcheck = await this.#exec(task, 'failcheck', task.spec.failcheck, live);
      if (out.failcheck.exitCode !== 0) {
        out.failed = true;
        return out;
      }
    }
    out.run = await this.#exec(task, 'run', task.spec.run, live);
    if (out.run.exitCode === 0) {
      out.passed = true;
      return out;
    }
    if (task.spec.hintcheck) {
      out.hintcheck = await this.#exec(task, 'hintcheck', task.spec.hintcheck, live);
      const hint = out.hintcheck.stdout.trim();
      out.hint = hint;
      if (live && hint !== (task.hint ?? '')) {
        task.hint = hint;
        this.#emit({ type: 'hint', task: task.name, hint, at: Date.now() });
      }
    }
    return out;
  }

  async #exec(task: TaskState, script: ScriptKind, text: string, live = true): Promise<ExecResult> {
    const context = this.#context(task);
    const machine = this.#playground.machine(task.machine);
    if (script === 'run' && live) task.runs++;
    // The learner's answer and earlier outputs reach the script as
    // environment variables, never as script text (see expandScript).
    const expanded = expandScript(text, context);
    const result = await machine.exec({
      script: expanded.script,
      user: task.spec.user ?? 'root',
      env: { ...expandEnv(task.spec.env, context), ...expanded.env },
      timeoutMs: this.#timeoutSeconds(task) * 1000,
      ...(this.#maxOutput ? { maxOutputBytes: this.#maxOutput } : {}),
      ...(live
        ? { onOutput: (stream: 'stdout' | 'stderr', chunk: Buffer) => this.#emit({ type: 'output', task: task.name, script, stream, data: chunk.toString(), at: Date.now() }) }
        : {}),
    });
    if (live) {
      this.#emit({
        type: 'result',
        task: task.name,
        machine: task.machine,
        script,
        attempt: task.runs,
        exitCode: result.exitCode,
        timedOut: result.timedOut,
        truncated: result.truncated,
        durationMs: result.durationMs,
        stdout: result.stdout,
        stderr: result.stderr,
        at: Date.now(),
      });
    }
    return result;
  }

  /** An answer left by `examinerctl task input` in the task's machine (see TAKE_GUEST_INPUT). */
  async #readGuestInput(task: TaskState): Promise<boolean> {
    const machine = this.#playground.machine(task.machine);
    const r = await machine.exec({ script: TAKE_GUEST_INPUT, env: { T: task.name }, timeoutMs: 10_000 }).catch(() => undefined);
    if (r?.exitCode === 3) this.#warn(RuntimeErrors.GuestInputRefused(machine.name, task.name, firstLine(r) || 'refused'), machine.name, task.name);
    if (r?.exitCode !== 0) return false;
    this.setInput(task.name, r.stdout);
    return true;
  }

  /**
   * Writes the task's answer to its `:destination:` file. The path is the
   * author's, the value the learner's: the value goes through `copyIn` as
   * file content, never through a shell. The path may cross folders the
   * learner can write (`/tmp`): the agent refuses a symlink root does not
   * own on the way or at the file, and this returns false (one warning per
   * reason; the task is not checked against a stale file) until it can write.
   */
  async #writeDestination(task: TaskState): Promise<boolean> {
    const destination = this.#destinations[task.name];
    const value = this.#inputs.get(task.name);
    if (!destination || value === undefined || task.written === value) return true;
    const machine = this.#playground.machine(task.machine);
    const file = path.posix.resolve('/', destination);
    try {
      await machine.copyIn({ path: file, content: value, mode: 0o644, owner: 'root' });
    } catch (error) {
      const detail = agentRefusal(error);
      if (detail === undefined) throw error;
      if (task.refused !== detail) this.#warn(RuntimeErrors.DestinationRefused(machine.name, task.name, file, detail), machine.name, task.name);
      task.refused = detail;
      return false;
    }
    task.written = value;
    delete task.refused;
    return true;
  }

  #warn(warning: { code: string; message: string }, machine: string, task: string): void {
    this.#emit({ type: 'warning', machine, task, code: warning.code, message: warning.message, at: Date.now() });
  }

  /** Mirrors the status into every machine as the platform's numeric code (what `examinerctl task get|wait` read). */
  #publishStatus(task: TaskState): void {
    if (!this.#guestBridge) return;
    for (const machine of this.#playground.machines) {
      if (machine.state !== 'ready') continue;
      machine.copyIn({ path: `/run/labkit/status/${task.name}`, content: `${TASK_STATUS_CODES[task.status]}\n` }).catch((error: unknown) => {
        // Not fatal (the engine's own status is right), but the guest's
        // examinerctl now reads a stale one: say so on the event stream.
        this.#warn(RuntimeErrors.StatusNotMirrored(machine.name, task.name, error instanceof Error ? error.message : String(error)), machine.name, task.name);
      });
    }
  }

  #timeoutSeconds(task: TaskState): number {
    return task.spec.timeout_seconds ?? DEFAULT_TASK_TIMEOUT_SECONDS;
  }

  #context(task: TaskState): ExpandContext {
    const needs: ExpandContext['needs'] = {};
    for (const need of task.spec.needs ?? []) {
      const done = this.#tasks.get(need);
      if (done?.status === 'completed') needs[need] = { stdout: done.stdout ?? '', stderr: done.stderr ?? '' };
    }
    const input = this.#inputs.get(task.name);
    return { needs, ...(input !== undefined ? { input } : {}) };
  }

  #needsMet(task: TaskState): boolean {
    return (task.spec.needs ?? []).every((need) => this.#tasks.get(need)?.status === 'completed');
  }

  #awaitingInput(task: TaskState): boolean {
    if (this.#inputs.has(task.name)) return false;
    const s = task.spec;
    return [s.run, s.hintcheck ?? '', s.failcheck ?? '', ...(s.env ?? [])].some(usesInput);
  }

  /** Uses `x(.input)` or has a `:destination:` file. */
  #takesInput(task: TaskState): boolean {
    return task.name in this.#destinations || this.#awaitingInput(task);
  }

  #complete(task: TaskState, result: ExecResult): void {
    task.stdout = result.stdout;
    task.stderr = result.stderr;
    task.completedAt = Date.now();
    this.#setTask(task, 'completed');
    this.#wakeAll(); // tasks that need this one may start
  }

  #crash(task: TaskState, error: unknown): void {
    const detail = isLabkitError(error) ? error.message : String(error);
    this.#setTask(task, 'failed', detail);
    this.#setPlayground('failed', detail);
    this.#wakeAll();
  }

  #checkCompleted(): void {
    const regular = this.tasksOf('regular');
    if (regular.every((n) => this.#tasks.get(n)!.status === 'completed') && this.#status === 'running') this.#setPlayground('completed');
  }

  #setTask(task: TaskState, status: TaskStatus, detail?: string): void {
    if (task.status === 'completed' || (task.status === 'failed' && status !== 'failed')) return; // never regress
    task.status = status;
    if (detail) task.detail = detail;
    else delete task.detail;
    this.#emit({ type: 'task', task: task.name, kind: task.kind, status, ...(detail ? { detail } : {}), at: Date.now() });
    this.#publishStatus(task);
  }

  #setPlayground(status: PlaygroundStatus, detail?: string): void {
    if (this.#status === status || this.#status === 'failed' || this.#status === 'completed') return;
    this.#status = status;
    this.#emit({ type: 'playground', status, ...(detail ? { detail } : {}), at: Date.now() });
  }

  #emit(event: EngineEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a closed WebSocket) must not stop the engine.
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        this.#wake.delete(wake);
        if (timer) clearTimeout(timer);
        resolve();
      };
      const timer = Number.isFinite(ms) ? setTimeout(wake, ms) : undefined;
      this.#wake.add(wake);
    });
  }

  #wakeAll(): void {
    for (const wake of [...this.#wake]) wake();
  }
}

function firstLine(result: ExecResult | undefined): string {
  return (result?.stdout.trim() || result?.stderr.trim() || '').split('\n')[0] ?? '';
}
