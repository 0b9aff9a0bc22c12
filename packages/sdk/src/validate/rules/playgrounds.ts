import type { Reporter } from '../../diagnostics/reporter.ts';
import type { ContentGraph, ContentItem } from '../../graph/types.ts';
import { platformOnlyPlaygrounds } from '../../playgrounds/builtin-playgrounds.ts';
import { playgroundsOf, usersOf } from '../../playgrounds/resolve-playground.ts';
import type { PlaygroundDefinition } from '../../schemas/playground-definition.ts';
import { placeOf } from '../context.ts';
import type { GraphRule } from '../rule.ts';
import { closest, didYouMean } from '../suggest.ts';

/**
 * Playgrounds across the graph: the name content asks for resolves to a
 * definition (the repository's own, else a built-in); the machines and users
 * its tasks name exist there; a definition's own tabs and init tasks name its
 * machines. Cross-item, so it runs after every item's schema check.
 */
export const playgrounds: GraphRule = {
  ids: ['lab:unknown-playground', 'lab:platform-playground', 'lab:unknown-machine', 'lab:unknown-user', 'lab:duplicate-name'],
  graph: (graph, _links, r) => checkPlaygrounds(graph, r),
};

function checkPlaygrounds(graph: ContentGraph, r: Reporter): void {
  const known = playgroundsOf(graph);
  const names = [...known.keys()].sort();
  for (const item of graph.items) {
    if (item.kind === 'playground') {
      checkDefinition(item, r);
      continue;
    }
    const index = item.documents[0];
    const own = index?.data?.['playground'];
    const name = item.playground?.name;
    if (!index || typeof name !== 'string') continue;
    const entry = known.get(name);
    if (!entry) {
      // Inherited playgrounds (lessons) are reported once, where they are written.
      if (!own) continue;
      const span = placeOf(index, ['playground', 'name'], 'value');
      const platform = platformOnlyPlaygrounds[name];
      if (platform !== undefined) {
        const near = known.has(platform) ? platform : closest(name, names);
        r.report('lab:platform-playground', index.metaFile, span, `"${name}" is an iximiuz Labs playground that Labkit cannot run here: it works on the platform, but lab dev and lab test have no machine for it.${near ? ` The closest local playground is "${near}".` : ''}`, {
          actual: name,
          expected: names.join(', '),
          hint: near ? `Use \`playground: { name: ${near} }\` to run it locally, or define a \`kind: playground\` named "${name}".` : `Define a \`kind: playground\` named "${name}".`,
        });
      } else {
        r.report('lab:unknown-playground', index.metaFile, span, `No playground "${name}".${didYouMean(name, names)} Playgrounds here: ${names.join(', ')}.`, {
          actual: name,
          expected: names.join(', '),
          hint: 'Pick one of the listed playgrounds, or add a `kind: playground` definition with that name.',
        });
      }
      continue;
    }
    checkMachinesAndUsers(item, entry.definition, r);
  }
}

/** Tasks' `machine:` and `user:` must exist on the playground. */
function checkMachinesAndUsers(item: ContentItem, def: PlaygroundDefinition, r: Reporter): void {
  const index = item.documents[0]!;
  const defMachines = def.playground.machines.map((m) => m.name);
  // Listed machines the definition does not have are copies of its first
  // machine (a custom topology, like the platform's flexbox); the task rules
  // check tasks against the listed names.
  const listed = Array.isArray(item.playground?.machines) ? item.playground.machines : undefined;
  // Machines the item really has: the listed subset, else all of the definition's.
  const machines = listed ? listed.map((m) => m?.name).filter((n): n is string => typeof n === 'string') : defMachines;
  const first = machines[0];
  for (const t of item.tasks) {
    const machine = typeof t.task.machine === 'string' ? t.task.machine : first;
    // Listed machines are checked by the task rules; here only the definition's.
    if (!listed && typeof t.task.machine === 'string' && !defMachines.includes(t.task.machine)) {
      r.report('lab:unknown-machine', t.file, placeOf(index, ['tasks', t.name, 'machine'], 'value'), `Task "${t.name}" runs on machine "${t.task.machine}", which playground "${item.playground?.name}" does not have.${didYouMean(t.task.machine, defMachines)}`, {
        expected: defMachines.join(', '),
        actual: t.task.machine,
      });
      continue;
    }
    if (typeof t.task.user !== 'string' || machine === undefined) continue;
    const users = new Set(usersOf(def, defMachines.includes(machine) ? machine : defMachines[0]!));
    for (const u of listed?.find((m) => m?.name === machine)?.users ?? []) if (typeof u?.name === 'string') users.add(u.name);
    if (!users.has(t.task.user)) {
      r.report('lab:unknown-user', t.file, placeOf(index, ['tasks', t.name, 'user'], 'value'), `Task "${t.name}" runs as user "${t.task.user}", who does not exist on machine "${machine}".${didYouMean(t.task.user, users)}`, {
        expected: [...users].join(', '),
        actual: t.task.user,
      });
    }
  }
}

/** A definition's tabs and init tasks name its own machines. */
function checkDefinition(item: ContentItem, r: Reporter): void {
  const index = item.documents[0];
  if (!index?.valid || !item.data) return;
  const def = item.data as PlaygroundDefinition;
  const machines = def.playground.machines.map((m) => m.name);
  const seen = new Set<string>();
  def.playground.machines.forEach((m, i) => {
    if (seen.has(m.name)) r.report('lab:duplicate-name', index.metaFile, placeOf(index, ['playground', 'machines', i, 'name'], 'value'), `Machine name "${m.name}" is used twice in this playground.`);
    seen.add(m.name);
  });
  (def.playground.tabs ?? []).forEach((tab, i) => {
    if (typeof tab.machine === 'string' && !machines.includes(tab.machine)) {
      r.report('lab:unknown-machine', index.metaFile, placeOf(index, ['playground', 'tabs', i, 'machine'], 'value'), `Tab machine "${tab.machine}" is not a machine of this playground.${didYouMean(tab.machine, machines)}`, { expected: machines.join(', ') });
    }
  });
  for (const [name, task] of Object.entries(def.playground.initTasks ?? {})) {
    const machine = task.machine ?? machines[0]!;
    if (task.machine !== undefined && !machines.includes(task.machine)) {
      r.report('lab:unknown-machine', index.metaFile, placeOf(index, ['playground', 'initTasks', name, 'machine'], 'value'), `Init task "${name}" runs on machine "${task.machine}", which this playground does not have.${didYouMean(task.machine, machines)}`, { expected: machines.join(', ') });
    } else if (task.user !== undefined && !usersOf(def, machine).includes(task.user)) {
      r.report('lab:unknown-user', index.metaFile, placeOf(index, ['playground', 'initTasks', name, 'user'], 'value'), `Init task "${name}" runs as user "${task.user}", who does not exist on machine "${machine}".`, { expected: usersOf(def, machine).join(', ') });
    }
  }
}
