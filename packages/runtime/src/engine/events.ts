import type { MachineState } from '../provider.ts';

/** Where a task is. Terminal states (`completed`, `failed`) never change again. */
export type TaskStatus = 'blocked' | 'waiting' | 'running' | 'completed' | 'failed';
export type TaskKind = 'init' | 'regular' | 'helper';
export type ScriptKind = 'run' | 'hintcheck' | 'failcheck';
export type PlaygroundStatus = 'starting' | 'initializing' | 'running' | 'completed' | 'failed' | 'stopped';

/**
 * The engine's typed event stream. Plain JSON-serialisable objects, so a
 * server can forward them over a WebSocket as they are (`JSON.stringify`).
 */
export type EngineEvent =
  | { type: 'playground'; status: PlaygroundStatus; detail?: string; at: number }
  | { type: 'machine'; machine: string; state: MachineState; detail?: string; at: number }
  | { type: 'task'; task: string; kind: TaskKind; status: TaskStatus; detail?: string; at: number }
  | { type: 'hint'; task: string; hint: string; at: number }
  | { type: 'output'; task: string; script: ScriptKind; stream: 'stdout' | 'stderr'; data: string; at: number }
  | {
      type: 'result';
      task: string;
      script: ScriptKind;
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
}
