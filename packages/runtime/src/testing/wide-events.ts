import type { TaskKind, ScriptKind } from '../engine/events.ts';

/** The phases of one challenge run, in order. */
export type TestPhase = 'boot' | 'init' | 'precheck' | 'solution' | 'checks' | 'teardown';

/** Fields every wide event carries: which run, challenge, solution and playground it belongs to. */
export interface WideEventBase {
  /** ISO time the event was written. */
  time: string;
  /** One id per challenge run (a challenge × solution × init condition values). */
  run: string;
  challenge: string;
  solution: string | undefined;
  /** Init condition values of the run, `k=v,k2=v2` (empty when none). */
  conditions: string;
  playground: string;
  /** sha256 of the playground definition (canonical JSON), first 16 hex digits. */
  playgroundDigest: string | undefined;
}

/** A machine lifecycle step: the same shape in `lab test --events` and `lab serve --events`. */
export interface MachineStepEvent {
  type: 'machine';
  /** `provision` boots every machine of the playground at once; `state` is a machine's own change. */
  step: 'provision' | 'startup-files' | 'state' | 'dispose';
  machines: string[];
  state?: string;
  durationMs: number;
  ok: boolean;
  error?: string;
}

/** One run of a task's script: the same shape in `lab test --events` and `lab serve --events` (which has no precheck phase). */
export interface TaskRunEvent<Phase extends string = 'init' | 'precheck' | 'checks'> {
  type: 'task-run';
  task: string;
  kind: TaskKind;
  machine: string;
  script: ScriptKind;
  phase: Phase;
  /** The task's `run` executions so far, this one included. */
  attempt: number;
  exitCode: number;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  stdoutBytes: number;
  stderrBytes: number;
}

/**
 * One structured event per task run and per machine lifecycle step
 * (`lab test --events out.jsonl`, one JSON object a line), wide enough to
 * answer "where did the time go" without joining anything: each carries
 * its run's identity, durations, exit codes, output sizes and attempts.
 */
export type WideEvent = WideEventBase &
  (
    | MachineStepEvent
    | TaskRunEvent<'init' | 'precheck' | 'checks'>
    | {
        type: 'solution-chunk';
        machine: string;
        user: string;
        chunk: number;
        attempt: number;
        exitCode: number;
        timedOut: boolean;
        durationMs: number;
        stdoutBytes: number;
        stderrBytes: number;
      }
    | { type: 'phase'; phase: TestPhase; durationMs: number; ok: boolean }
    | { type: 'challenge'; ok: boolean; durationMs: number; error?: string; failedTasks: string[] }
  );

/** Wide events with their common fields still to be filled in. */
export type WideEventBody = WideEvent extends infer E ? (E extends WideEvent ? Omit<E, keyof WideEventBase> : never) : never;

/** Per-phase time of one run, from its `phase` events (what `lab test` prints and bench/runtime sums). */
export function phaseBreakdown(events: readonly WideEvent[]): Map<string, Partial<Record<TestPhase, number>>> {
  const out = new Map<string, Partial<Record<TestPhase, number>>>();
  for (const e of events) {
    if (e.type !== 'phase') continue;
    const row = out.get(e.run) ?? {};
    row[e.phase] = (row[e.phase] ?? 0) + e.durationMs;
    out.set(e.run, row);
  }
  return out;
}
