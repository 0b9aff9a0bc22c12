import type { MachineStepEvent, TaskRunEvent } from '../testing/wide-events.ts';

/** Fields every `lab serve` wide event carries: which session, item, attempt and init condition values. */
export interface ServeEventBase {
  /** ISO time the event was written. */
  time: string;
  /** A public id of the session (never its token, which is the capability to its machines). */
  session: string;
  item: string;
  /** The session's attempt (1 for the first boot, +1 per restart; 0 while queued). */
  sessionAttempt: number;
  /** Init condition values of the session, `k=v,k2=v2` (empty when none). */
  conditions: string;
}

/**
 * One structured event per session state change, machine lifecycle step and
 * task run in `lab serve` (`--events out.jsonl`, one JSON object a line), the
 * same shapes as `lab test --events` where they overlap (`machine`,
 * `task-run`), so one query reads both.
 */
export type ServeEvent = ServeEventBase &
  (
    | {
        type: 'session';
        state: 'queued' | 'starting' | 'running' | 'failed' | 'stopped';
        detail?: string;
        /** Ms since the session was created. */
        ageMs: number;
        /** Regular tasks completed so far in this attempt. */
        tasksCompleted: number;
      }
    | MachineStepEvent
    | TaskRunEvent<'init' | 'checks'>
  );

/** A serve event with its common fields still to be filled in. */
export type ServeEventBody = ServeEvent extends infer E ? (E extends ServeEvent ? Omit<E, keyof ServeEventBase> : never) : never;
