import type { TaskInput } from '@labkit/sdk';

/** One value of a playground's `initConditions.values` (the platform's manifest). */
export interface InitConditionValue {
  key: string;
  default?: string;
  nullable?: boolean;
  options?: string[];
}

/** Chosen init conditions: key → value (what the platform's start request carries). */
export type ConditionValues = Record<string, string>;

/** At most this many combinations for `lab test --all-conditions` (a guard against a product that explodes). */
export const MAX_CONDITION_COMBINATIONS = 32;

/**
 * The values a playground starts with: each declared key's `default`
 * (else its first option, else empty), then the caller's choices on top.
 * A chosen key the playground does not declare is kept: a task may still
 * name it in its `conditions`.
 */
export function resolveConditions(declared: readonly InitConditionValue[] | undefined, chosen: ConditionValues = {}): ConditionValues {
  const values: ConditionValues = {};
  for (const d of declared ?? []) values[d.key] = d.default ?? d.options?.[0] ?? '';
  return { ...values, ...chosen };
}

/** Longest value a learner may send for one init condition (declared options are far shorter). */
export const MAX_CONDITION_VALUE_LENGTH = 256;

/**
 * A learner's (or `lab dev`'s) choice of init condition values, as sent over
 * the network: hostile until proven otherwise. Only keys the playground
 * declares are accepted; a value must be a string, one of the key's
 * `options` when it has some (or empty when `nullable`), and otherwise
 * printable text of at most {@link MAX_CONDITION_VALUE_LENGTH} characters.
 * Returns the values to start with (defaults for the keys not chosen), or
 * the reason the choice is refused. Values only ever select tasks; they
 * never become script text.
 */
export function chooseConditions(declared: readonly InitConditionValue[] | undefined, input: unknown): { values: ConditionValues } | { error: string } {
  if (input === undefined || input === null) return { values: resolveConditions(declared) };
  if (typeof input !== 'object' || Array.isArray(input)) return { error: 'conditions must be an object of key → value' };
  const byKey = new Map((declared ?? []).map((d) => [d.key, d]));
  const chosen: ConditionValues = {};
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const d = byKey.get(key);
    if (!d) return { error: `this playground declares no init condition ${JSON.stringify(key.slice(0, 64))}` };
    if (typeof value !== 'string') return { error: `init condition ${key}: the value must be a string` };
    if (value === '') {
      if (!d.nullable && !(d.options ?? []).includes('')) return { error: `init condition ${key} may not be empty` };
    } else if (d.options?.length) {
      if (!d.options.includes(value)) return { error: `init condition ${key}: ${JSON.stringify(value.slice(0, 64))} is not one of ${d.options.join(', ')}` };
    } else if (value.length > MAX_CONDITION_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
      return { error: `init condition ${key}: at most ${MAX_CONDITION_VALUE_LENGTH} printable characters` };
    }
    chosen[key] = value;
  }
  return { values: resolveConditions(declared, chosen) };
}

/** True when every `{key, value}` of the task's `conditions` equals the chosen value (values compare as strings). */
export function conditionsMatch(task: Pick<TaskInput, 'conditions'>, values: ConditionValues): boolean {
  for (const c of task.conditions ?? []) {
    if (!c || typeof c.key !== 'string') continue;
    const want = c.value === undefined || c.value === null ? '' : String(c.value);
    if ((values[c.key] ?? '') !== want) return false;
  }
  return true;
}

/**
 * The tasks that run under `values`: a task whose `conditions` do not match
 * is left out entirely (not run, not listed). A `needs` entry that names a
 * task left out this way is dropped, so a variant's task does not wait for
 * another variant's.
 */
export function selectTasks(tasks: Record<string, TaskInput>, values: ConditionValues): Record<string, TaskInput> {
  const kept = Object.entries(tasks).filter(([, t]) => conditionsMatch(t, values));
  const skipped = new Set(Object.keys(tasks).filter((name) => !kept.some(([k]) => k === name)));
  if (skipped.size === 0) return tasks;
  return Object.fromEntries(kept.map(([name, t]) => [name, t.needs?.some((n) => skipped.has(n)) ? { ...t, needs: t.needs.filter((n) => !skipped.has(n)) } : t]));
}

/**
 * Every combination `lab test --all-conditions` runs: for each key the
 * playground declares or a task's `conditions` names, the declared options,
 * the default, the values tasks compare with, and empty when nullable.
 * Keys in `fixed` (from `--condition`) keep their one value. Sorted, stable,
 * at most {@link MAX_CONDITION_COMBINATIONS}.
 */
export function conditionCombinations(declared: readonly InitConditionValue[] | undefined, tasks: Record<string, TaskInput>, fixed: ConditionValues = {}): ConditionValues[] {
  const candidates = new Map<string, Set<string>>();
  const add = (key: string, value: string) => {
    if (!candidates.has(key)) candidates.set(key, new Set());
    candidates.get(key)!.add(value);
  };
  for (const d of declared ?? []) {
    for (const o of d.options ?? []) add(d.key, o);
    if (d.default !== undefined) add(d.key, d.default);
    if (d.nullable) add(d.key, '');
    if (!candidates.has(d.key)) add(d.key, '');
  }
  for (const t of Object.values(tasks)) {
    for (const c of t.conditions ?? []) if (c && typeof c.key === 'string') add(c.key, c.value === undefined || c.value === null ? '' : String(c.value));
  }
  for (const [key, value] of Object.entries(fixed)) candidates.set(key, new Set([value]));
  let combos: ConditionValues[] = [{}];
  for (const [key, set] of [...candidates].sort(([a], [b]) => a.localeCompare(b))) {
    const next: ConditionValues[] = [];
    for (const combo of combos) for (const value of [...set].sort()) next.push({ ...combo, [key]: value });
    combos = next.slice(0, MAX_CONDITION_COMBINATIONS);
  }
  return combos;
}

/** `k=v,k2=v2` for reports (empty string when there are none). */
export function describeConditions(values: ConditionValues): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
