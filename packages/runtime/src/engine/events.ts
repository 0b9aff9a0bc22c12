import type { MachineState } from '../provider.ts';

/** Where a task is. Terminal states (`completed`, `failed`) never change again. */
export type TaskStatus = 'blocked' | 'waiting' | 'running' | 'completed' | 'failed';
export type TaskKind = 'init' | 'regular' | 'helper';
export type ScriptKind = 'run' | 'hintcheck' | 'failcheck';
export type PlaygroundStatus = 'starting' | 'initializing' | 'running' | 'completed' | 'failed' | 'stopped';

/**
 * The platform's numeric task statuses (format reference: `completed` is
 * `40`, `failed` is `35`; the others as iximiuz's examiner numbers them:
 * created 10, blocked 20, running 30). What `examinerctl task get` prints.
 */
export const TASK_STATUS_CODES: Readonly<Record<TaskStatus, number>> = { waiting: 10, blocked: 20, running: 30, failed: 35, completed: 40 };

/**
 * The engine's typed event stream. Plain JSON-serialisable objects, so a
 * server can forward them over a WebSocket as they are (`JSON.stringify`).
 */
export type EngineEvent =
  | { type: 'playground'; status: PlaygroundStatus; detail?: string; at: number }
  | { type: 'machine'; machine: string; state: MachineState; detail?: string; at: number }
  | { type: 'task'; task: string; kind: TaskKind; status: TaskStatus; detail?: string; at: number }
  | { type: 'hint'; task: string; hint: string; at: number }
  /** Something went wrong beside a task, not in it (a status the guest bridge could not write); `code` is a RuntimeErrors name. */
  | { type: 'warning'; machine: string; task?: string; code: string; message: string; at: number }
  | { type: 'output'; task: string; script: ScriptKind; stream: 'stdout' | 'stderr'; data: string; at: number }
  | {
      type: 'result';
      task: string;
      /** Machine the script ran on. */
      machine: string;
      script: ScriptKind;
      /** Executions of this task's `run` so far, this one included (1-based). */
      attempt: number;
      exitCode: number;
      timedOut: boolean;
      truncated: boolean;
      durationMs: number;
      stdout: string;
      stderr: string;
      at: number;
    };

/** What a task looks like right now (for a client that connects late). */
export interface TaskSnapshot {
  name: string;
  kind: TaskKind;
  status: TaskStatus;
  machine: string;
  hint?: string;
  /** Executions of `run` so far. */
  runs: number;
  /** Stdout of the passing run (what `x(.needs.T.stdout)` reads). */
  stdout?: string;
  completedAt?: number;
  detail?: string;
  /** When the task's latest evaluation (failcheck, run, hintcheck) started and ended (ms since the epoch); in flight while started > ended. */
  checkStartedAt?: number;
  checkEndedAt?: number;
}
