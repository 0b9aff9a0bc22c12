import { z } from 'zod';

/**
 * Default task timeout. format-reference/challenge-authoring.md: "The default
 * task timeout is 60s" (the tutorial sample's comment says 10 s; the newer
 * authoring guide wins).
 */
export const DEFAULT_TASK_TIMEOUT_SECONDS = 60;

/** `NAME=value`; the value may hold `x(.needs.T.stdout)` / `x(.input)` expressions. */
const ENV_ENTRY = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * A task condition: the task runs only when the playground's init condition
 * `key` was chosen as `value` (iximiuz's manifest: `{key, value}`). Open
 * (loose) for fields Labkit does not know.
 */
export const taskConditionSchema = z.looseObject({
  /**
   * The init condition it compares (a key of the playground's `initConditions.values`).
   * @example "K8S_VERSION"
   */
  key: z.string().optional(),
  /**
   * The value that key must have.
   * @example "1.31"
   */
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

/**
 * One task of the task engine (examinerd). Three flavours: `init` tasks
 * finish the playground setup, `helper` tasks loop forever in the
 * background, and regular tasks (neither flag) loop until `run` exits 0 and
 * are shown in the body with `::simple-task` / `::user-input-task`.
 */
export const taskSchema = z.looseObject({
  /**
   * Run once while the playground boots; the learner waits until every init task is done.
   * @example true
   */
  init: z.boolean().optional(),
  /**
   * Run in a loop forever in the background; never shown, never blocks completion.
   * @example true
   */
  helper: z.boolean().optional(),
  /**
   * Machine (hostname) to run on. Either no task or every task names a machine.
   * @example "dev-machine"
   */
  machine: z.string().min(1).optional(),
  /**
   * User to run the scripts as (default `root`).
   * @example "laborant"
   */
  user: z.string().min(1).optional(),
  /**
   * Tasks that must complete first; their output is readable as `x(.needs.<task>.stdout)`.
   * @example ["init_deploy_nginx"]
   */
  needs: z.array(z.string().min(1)).optional(),
  /**
   * Environment for all the task's scripts, as `NAME=value`; values may use `x(.needs.<task>.stdout|stderr)` and `x(.input)`.
   * @example ["CONTAINER_ID=x(.needs.verify_container.stdout)"]
   */
  env: z
    .array(z.string().regex(ENV_ENTRY, 'expected NAME=value'))
    .optional(),
  /**
   * The check script (bash). Regular tasks re-run it until it exits 0. The only required field.
   * @example "test -f /tmp/some/file.txt"
   */
  run: z.string().min(1),
  /**
   * Optional script run after `run`; its output is shown to the learner as a dynamic hint. Must exit 0.
   * @example "echo \"Try 'docker ps -a'.\""
   */
  hintcheck: z.string().optional(),
  /**
   * Optional script run before `run`; a non-zero exit fails this task (for good) while the other tasks keep running.
   * @example "docker ps -a | grep -q web || exit 1"
   */
  failcheck: z.string().optional(),
  /**
   * Seconds before one execution of the task times out. Default 60; set it only to fail faster or to allow a long operation.
   * @example 90
   */
  timeout_seconds: z.number().int().positive().default(DEFAULT_TASK_TIMEOUT_SECONDS),
  /**
   * Labkit: seconds `lab test` keeps polling this check once the solution has finished before it reports the check failing (default 10, or `lab test --settle`). Raise it for a check that passes only a while after the solution ends; the platform ignores it.
   * @example 30
   */
  settle_seconds: z.number().positive().optional(),
  /**
   * Init condition values the task runs under: it runs only when every `key` has this `value` in the playground's chosen `initConditions`; otherwise it is skipped and not listed.
   * @example [{ "key": "K8S_VERSION", "value": "1.31" }]
   */
  conditions: z.array(taskConditionSchema).optional(),
});

/** A task as an author writes it (`timeout_seconds` optional). */
export type TaskInput = z.input<typeof taskSchema>;
/** A resolved task (`timeout_seconds` filled in). */
export type Task = z.output<typeof taskSchema>;

/** The `tasks:` map: task name → task. Names are snake_case by convention. */
export const tasksSchema = z.record(z.string(), taskSchema);
