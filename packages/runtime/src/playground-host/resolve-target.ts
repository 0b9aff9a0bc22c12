import { existsSync } from 'node:fs';
import path from 'node:path';
import { builtinPlaygrounds, loadContent, playgroundsOf, type Playground, type PlaygroundEntry } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import { playgroundItemsOf, type PlaygroundItem } from '../server/catalog.ts';
import { playgroundMachines } from '../server/playground-machines.ts';

/**
 * What `lab playground start <target>` boots: an item with a playground (by
 * id such as `challenge:x`, or by its folder), whose init tasks then run;
 * else a playground by name (a repository's own, else a built-in) with no
 * tasks. Content is read from `dir` (the project root); a folder that is not
 * a content folder still starts built-in playgrounds.
 */
export async function resolvePlaygroundTarget(target: string, dir: string): Promise<PlaygroundItem> {
  const graph = await loadContent(dir).catch(() => undefined);
  if (graph) {
    const items = playgroundItemsOf(graph);
    const byId = items.get(target);
    if (byId) return byId;
    const abs = path.resolve(target);
    if (existsSync(abs)) {
      const rel = path.relative(graph.root, abs).split(path.sep).join('/');
      const byDir = items.get(rel) ?? items.get(rel.replace(/\/index\.md$/, ''));
      if (byDir) return byDir;
    }
  }
  const definitions: Map<string, PlaygroundEntry> = graph ? playgroundsOf(graph) : builtinPlaygrounds();
  const entry = definitions.get(target);
  if (!entry) throw RuntimeErrors.PlaygroundTargetUnknown(target, [...definitions.keys()].join(', '));
  return { id: `playground:${target}`, title: target, machines: playgroundMachines({ name: target } as Playground, entry), tasks: {} };
}
