import type { Span } from '../../diagnostics/diagnostic.ts';
import type { Reporter } from '../../diagnostics/reporter.ts';
import type { ContentDocument, ContentItem, TaskEntry } from '../../graph/types.ts';
import { LineIndex } from '../../parse/line-index.ts';
import { placeOf } from '../context.ts';
import type { BodyUsage, ItemRule } from '../rule.ts';
import { didYouMean } from '../suggest.ts';

// An expression is `x(.…)` standing on its own: `index($0, "a")` in an awk
// program or `max(a)` is script text, which the engine runs as written.
const EXPR = /(?<![A-Za-z0-9_])x\((\s*\.[^)]*)\)/g;
const NEEDS_EXPR = /^\.needs\.([A-Za-z0-9_-]+)\.(stdout|stderr)$/;

/**
 * Task rules of one item: `needs` naming unknown tasks, cycles, init tasks
 * needing regular ones, `x(...)` expressions, machines, and tasks that no
 * component shows.
 */
export const tasks: ItemRule = {
  ids: ['lab:unknown-need', 'lab:init-needs-cross-machine', 'lab:init-needs-regular', 'lab:task-cycle', 'lab:bad-expression', 'lab:expression-not-needed', 'lab:unknown-machine', 'lab:partial-machines', 'lab:non-regular-task-shown', 'lab:task-shown-twice', 'lab:task-not-shown'],
  item: (item, usage, r) => checkTasks(item, usage, r),
};

function checkTasks(item: ContentItem, usage: readonly BodyUsage[], r: Reporter): void {
  const tasks = item.tasks;
  if (!tasks.length && !usage.some((u) => u.shownTasks.length)) return;
  const index = item.documents[0] as ContentDocument;
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const kindOf = (t: TaskEntry): 'init' | 'helper' | 'regular' => (t.task.init ? 'init' : t.task.helper ? 'helper' : 'regular');

  for (const t of tasks) {
    const needs = Array.isArray(t.task.needs) ? t.task.needs : [];
    needs.forEach((n, i) => {
      const span = placeOf(index, ['tasks', t.name, 'needs', i], 'value');
      const dep = byName.get(n);
      if (!dep) {
        r.report('lab:unknown-need', t.file, span, `Task "${t.name}" needs "${n}", which is not defined.${didYouMean(n, byName.keys())}`, {
          expected: [...byName.keys()].filter((k) => k !== t.name).join(', '),
          actual: n,
        });
      } else if (
        kindOf(t) === 'init' &&
        kindOf(dep) === 'init' &&
        typeof t.task.machine === 'string' &&
        typeof dep.task.machine === 'string' &&
        t.task.machine !== dep.task.machine
      ) {
        r.report('lab:init-needs-cross-machine', t.file, span, `Init task "${t.name}" (on ${t.task.machine}) needs init task "${n}" on another machine (${dep.task.machine}).`, {
          hint: 'Labkit runs this; for the platform, move both init tasks to one machine, or read the value from a regular task, which may need init tasks on any machine.',
        });
      } else if (kindOf(t) === 'init' && kindOf(dep) !== 'init') {
        r.report('lab:init-needs-regular', t.file, span, `Init task "${t.name}" needs ${kindOf(dep)} task "${n}", but init tasks run before all other tasks.`, {
          hint: `Make "${n}" an init task (init: true) or drop it from needs.`,
        });
      }
    });
    checkExpressions(index, t, new Set(needs), r);
  }

  // Cycles: iterative DFS with colours, each cycle reported once.
  const colour = new Map<string, 0 | 1 | 2>();
  const reported = new Set<string>();
  const stack: string[] = [];
  const dfs = (name: string): void => {
    colour.set(name, 1);
    stack.push(name);
    const t = byName.get(name);
    for (const n of (Array.isArray(t?.task.needs) ? t?.task.needs : []) ?? []) {
      if (!byName.has(n)) continue;
      const c = colour.get(n) ?? 0;
      if (c === 0) dfs(n);
      else if (c === 1) {
        const cycle = stack.slice(stack.indexOf(n));
        const key = [...cycle].sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          const first = byName.get(cycle[0] as string) as TaskEntry;
          r.report('lab:task-cycle', first.file, first.span, `Task dependency cycle: ${[...cycle, n].join(' → ')}.`, {
            hint: 'Remove one of these `needs` entries so the tasks can start.',
            related: cycle.slice(1).map((c) => {
              const e = byName.get(c) as TaskEntry;
              return { file: e.file, span: e.span, message: `"${c}" is part of the cycle` };
            }),
          });
        }
      }
    }
    stack.pop();
    colour.set(name, 2);
  };
  for (const t of tasks) if (!colour.get(t.name)) dfs(t.name);

  // Machines.
  const listed = item.playground?.machines;
  const machines = Array.isArray(listed) ? new Set(listed.map((m) => m?.name).filter((n): n is string => typeof n === 'string')) : undefined;
  const withMachine = tasks.filter((t) => typeof t.task.machine === 'string');
  if (machines) {
    for (const t of withMachine) {
      if (!machines.has(t.task.machine as string)) {
        r.report('lab:unknown-machine', t.file, placeOf(index, ['tasks', t.name, 'machine'], 'value'), `Task "${t.name}" runs on machine "${t.task.machine}", which is not in the playground's machines.${didYouMean(t.task.machine as string, machines)}`, {
          expected: [...machines].join(', '),
          actual: t.task.machine as string,
        });
      }
    }
    const tabs = item.playground?.tabs;
    if (Array.isArray(tabs)) {
      tabs.forEach((tab, i) => {
        if (tab && typeof tab.machine === 'string' && !machines.has(tab.machine)) {
          r.report('lab:unknown-machine', index.metaFile, placeOf(index, ['playground', 'tabs', i, 'machine'], 'value'), `Tab machine "${tab.machine}" is not in the playground's machines.${didYouMean(tab.machine, machines)}`, {
            expected: [...machines].join(', '),
          });
        }
      });
    }
  }
  if (withMachine.length > 0 && withMachine.length < tasks.length) {
    for (const t of tasks) {
      if (typeof t.task.machine === 'string') continue;
      r.report('lab:partial-machines', t.file, t.span, `Task "${t.name}" has no \`machine\` while ${withMachine.length} other task${withMachine.length === 1 ? ' names' : 's name'} one: either no task or every task must set it.`, {
        hint: `Add \`machine: ${withMachine[0]?.task.machine}\` (or the right machine) to "${t.name}".`,
      });
    }
  }

  // Shown tasks.
  const shown = new Map<string, { file: string; span: Span }>();
  for (const u of usage) {
    for (const s of u.shownTasks) {
      const t = byName.get(s.name);
      if (!t) continue;
      if (kindOf(t) !== 'regular') {
        r.report('lab:non-regular-task-shown', s.file, s.span, `Task "${s.name}" is ${kindOf(t) === 'init' ? 'an init' : 'a helper'} task; task components only show regular tasks.`);
      }
      const prev = shown.get(s.name);
      if (prev) {
        r.report('lab:task-shown-twice', s.file, s.span, `Task "${s.name}" is already shown by another component.`, {
          related: [{ file: prev.file, span: prev.span, message: 'first shown here' }],
        });
      } else shown.set(s.name, s);
    }
  }
  for (const t of tasks) {
    if (kindOf(t) === 'regular' && !shown.has(t.name)) {
      r.report('lab:task-not-shown', t.file, t.span, `Regular task "${t.name}" is not shown by any ::simple-task or ::user-input-task, but completion waits for it.`, {
        hint: `Add\n::simple-task\n---\n:tasks: tasks\n:name: ${t.name}\n---\n::\nor make it an init/helper task.`,
      });
    }
  }
}

function checkExpressions(doc: ContentDocument, t: TaskEntry, needs: Set<string>, r: Reporter): void {
  const scan = (text: string, path: (string | number)[]): void => {
    if (!text.includes('x(')) return;
    EXPR.lastIndex = 0;
    for (let m = EXPR.exec(text); m; m = EXPR.exec(text)) {
      const inner = (m[1] ?? '').trim();
      if (inner === '.input') continue;
      const needsMatch = NEEDS_EXPR.exec(inner);
      const span = locate(doc, path, m[0]);
      if (!needsMatch) {
        r.report('lab:bad-expression', t.file, span, `Unknown expression "${m[0]}" in task "${t.name}".`, {
          expected: 'x(.input) or x(.needs.<task>.stdout|stderr)',
          actual: m[0],
        });
      } else if (!needs.has(needsMatch[1] as string)) {
        r.report('lab:expression-not-needed', t.file, span, `Task "${t.name}" reads "${m[0]}" but "${needsMatch[1]}" is not in its \`needs\`.`, {
          hint: `Add "${needsMatch[1]}" to the needs of "${t.name}".`,
        });
      }
    }
  };
  const env = t.task.env;
  if (Array.isArray(env)) env.forEach((e, i) => typeof e === 'string' && scan(e, ['tasks', t.name, 'env', i]));
  for (const key of ['run', 'hintcheck', 'failcheck'] as const) {
    const v = t.task[key];
    if (typeof v === 'string') scan(v, ['tasks', t.name, key]);
  }
}

const indexes = new WeakMap<object, LineIndex>();

/** The exact span of `needle` inside the value at `path`, else the value's span. */
function locate(doc: ContentDocument, path: (string | number)[], needle: string): Span {
  const span = placeOf(doc, path, 'value');
  const src = doc.parsed.source;
  let li = indexes.get(doc.parsed);
  if (!li) {
    li = new LineIndex(src);
    indexes.set(doc.parsed, li);
  }
  const from = li.lineStart(span.start.line) + span.start.column - 1;
  const at = src.indexOf(needle, from);
  const limit = li.lineStart(span.end.line) + span.end.column - 1;
  if (at === -1 || at > limit) return span;
  return li.span(at, at + needle.length);
}
