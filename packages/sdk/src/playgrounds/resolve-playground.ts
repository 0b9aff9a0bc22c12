import type { ContentGraph } from '../graph/types.ts';
import type { PlaygroundDefinition } from '../schemas/playground-definition.ts';
import { builtinPlaygrounds, type PlaygroundEntry } from './builtin-playgrounds.ts';

/**
 * Every playground content in `graph` can name: the repository's own
 * `kind: playground` items (valid ones), then the built-ins they do not
 * shadow. A local definition with a built-in's name replaces it.
 */
export function playgroundsOf(graph: ContentGraph): Map<string, PlaygroundEntry> {
  const out = new Map<string, PlaygroundEntry>();
  for (const item of graph.items) {
    if (item.kind !== 'playground') continue;
    const doc = item.documents[0];
    if (!doc?.valid || !item.data) continue;
    const data = item.data as PlaygroundDefinition;
    const name = data.name ?? item.name;
    out.set(name, { name, definition: data, source: 'local', file: doc.metaFile });
  }
  for (const [name, entry] of builtinPlaygrounds()) if (!out.has(name)) out.set(name, entry);
  return out;
}

/** The definition `name` resolves to in `graph`, if any. */
export function resolvePlayground(graph: ContentGraph, name: string): PlaygroundEntry | undefined {
  return playgroundsOf(graph).get(name);
}

/** Users that exist on `machine` of a definition: root, and the machine's listed users. */
export function usersOf(definition: PlaygroundDefinition, machine: string): string[] {
  const m = definition.playground.machines.find((x) => x.name === machine);
  const users = new Set(['root']);
  for (const u of m?.users ?? []) users.add(u.name);
  return [...users];
}
