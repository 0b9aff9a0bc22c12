import type { Task } from '@labkit/sdk';
import type { TaskKind } from './events.ts';

export function kindOf(task: Pick<Task, 'init' | 'helper'>): TaskKind {
  return task.init ? 'init' : task.helper ? 'helper' : 'regular';
}

/**
 * Task names in dependency order (every task after all it `needs`), stable
 * in declaration order otherwise. Unknown needs and cycles are content
 * errors the validator reports; here they are returned so the engine can
 * fail those tasks with a clear detail instead of waiting forever.
 */
export function dependencyOrder(tasks: Record<string, Pick<Task, 'needs'>>): { order: string[]; broken: Map<string, string> } {
  const order: string[] = [];
  const broken = new Map<string, string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]): boolean => {
    const s = state.get(name);
    if (s === 'done') return !broken.has(name);
    if (s === 'visiting') {
      broken.set(name, `dependency cycle: ${[...path, name].join(' → ')}`);
      return false;
    }
    state.set(name, 'visiting');
    let ok = true;
    for (const need of tasks[name]?.needs ?? []) {
      if (!(need in tasks)) {
        broken.set(name, `needs unknown task \`${need}\``);
        ok = false;
      } else if (!visit(need, [...path, name])) {
        if (!broken.has(name)) broken.set(name, `needs \`${need}\`, which cannot run`);
        ok = false;
      }
    }
    state.set(name, 'done');
    order.push(name);
    return ok;
  };
  for (const name of Object.keys(tasks)) visit(name, []);
  return { order, broken };
}
