import path from 'node:path';
import { builtinPlaygrounds, ContentStore, playgroundsOf, type ContentGraph, type ContentItem, type PlaygroundEntry, type TaskInput } from '@labkit/sdk';
import type { MachineSpec } from '../provider.ts';
import { playgroundMachines } from './playground-machines.ts';
import { resolveConditions, type ConditionValues, type InitConditionValue } from '../engine/conditions.ts';
import { inputDestinations } from '../engine/destinations.ts';
import { webTabsOf, type WebTab } from './web-tabs.ts';

/** What a learner's session needs to know about one machine of a playground. */
export interface PlaygroundMachine extends MachineSpec {
  /** Login user of its terminal (the machine's `default: true` user, else root). */
  user: string;
  /** Printed at the top of the terminal (`-` in the content disables it). */
  welcome?: string;
  /** `noSSH: true`: the machine runs, but the learner gets no terminal on it. */
  terminal: boolean;
  startupFiles: Array<{ path: string; content: string; mode?: number; owner?: string; append?: boolean }>;
}

/** One item (tutorial, challenge, lesson) that has a playground, as the server runs it. */
export interface PlaygroundItem {
  id: string;
  title: string;
  machines: PlaygroundMachine[];
  tasks: Record<string, TaskInput>;
  /** Init condition values a session starts with (the definition's defaults); tasks whose `conditions` differ are left out. */
  conditions?: ConditionValues;
  /** The definition's `initConditions.values`: what a learner may choose before starting (checked by `chooseConditions`). */
  initConditions?: InitConditionValue[];
  /** `::user-input-task` `:destination:` files by task. */
  destinations?: Record<string, string>;
  /** HTTP services the learner may open through the server's proxy (declared tabs and `:http-port` links). */
  webTabs?: WebTab[];
}

/**
 * Where the server looks items up. Learners only ever send an item id: the
 * scripts that run come from the server's own content, never from a request.
 */
export interface PlaygroundCatalog {
  get(id: string): Promise<PlaygroundItem | undefined>;
  /** Every item (for logs and listings), when the catalog can tell. */
  items?(): Promise<Map<string, PlaygroundItem>>;
}

/**
 * Items with a playground the local runtime can run, by id (`challenge:x`)
 * and by the key the site's pages carry (`challenges/x`; lessons
 * `courses/<course>/<module>/<lesson>`).
 */
export function playgroundItemsOf(graph: ContentGraph): Map<string, PlaygroundItem> {
  const out = new Map<string, PlaygroundItem>();
  const definitions = playgroundsOf(graph);
  for (const item of graph.items) {
    const p = playgroundItemOf(item, graph.root, definitions);
    if (!p) continue;
    out.set(p.id, p);
    if (item.dir && !out.has(item.dir)) out.set(item.dir, p);
    // Lesson pages carry `courses/<course>/<module>/<lesson>` (no order prefixes).
    if (item.kind === 'lesson') out.set(`courses/${item.id.slice('lesson:'.length)}`, p);
  }
  return out;
}

/**
 * The item as the server runs it, or undefined when it has no playground or
 * one with no definition here (validation already said so).
 */
export function playgroundItemOf(item: ContentItem, root: string, definitions: Map<string, PlaygroundEntry> = builtinPlaygrounds()): PlaygroundItem | undefined {
  if (!item.playground) return undefined;
  const entry = definitions.get(item.playground.name ?? 'busybox');
  if (!entry) return undefined;
  const title = typeof item.data?.title === 'string' ? item.data.title : item.name || path.basename(root);
  const machines = playgroundMachines(item.playground, entry);
  const webTabs = webTabsOf(item.playground, entry, machines, item.mdast as Parameters<typeof webTabsOf>[3]);
  return {
    id: item.id,
    title,
    machines,
    ...(webTabs.length ? { webTabs } : {}),
    tasks: Object.fromEntries(item.tasks.map((t) => [t.name, t.task])),
    conditions: resolveConditions(entry.definition.playground.initConditions?.values as InitConditionValue[] | undefined),
    ...(entry.definition.playground.initConditions?.values?.length ? { initConditions: entry.definition.playground.initConditions.values as InitConditionValue[] } : {}),
    destinations: inputDestinations(item.mdast),
  };
}

/**
 * The catalog of a content store (`lab dev`'s one graph): derived from the
 * store's current graph when it is first asked after a change, never by
 * reading the folder again, so edits apply to the next session. Empty
 * until the store has loaded.
 */
export function storeCatalog(store: Pick<ContentStore, 'graph' | 'loaded'>): PlaygroundCatalog & { items(): Promise<Map<string, PlaygroundItem>> } {
  let derived: { graph: ContentGraph; items: Map<string, PlaygroundItem> } | undefined;
  const items = async (): Promise<Map<string, PlaygroundItem>> => {
    if (!store.loaded) return new Map();
    const graph = store.graph;
    if (derived?.graph !== graph) derived = { graph, items: playgroundItemsOf(graph) };
    return derived.items;
  };
  return {
    items,
    async get(id) {
      return (await items()).get(id);
    },
  };
}

/**
 * A catalog over a content folder, loaded once on first use (`lab serve`
 * serves what it started with). A caller that watches the folder passes
 * its store to {@link storeCatalog} instead.
 */
export function contentCatalog(dir: string): PlaygroundCatalog & { items(): Promise<Map<string, PlaygroundItem>> } {
  let opening: Promise<ContentStore> | undefined;
  let catalog: ReturnType<typeof storeCatalog> | undefined;
  const items = async (): Promise<Map<string, PlaygroundItem>> => {
    opening ??= ContentStore.open(dir);
    opening.catch(() => (opening = undefined));
    catalog ??= storeCatalog(await opening);
    return catalog.items();
  };
  return {
    items,
    async get(id) {
      return (await items()).get(id);
    },
  };
}
