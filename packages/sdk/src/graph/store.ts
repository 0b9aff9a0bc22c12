import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { defineErrors } from '../errors/labkit-error.ts';
import { svgScriptDiagnostics } from '../validate/rules/svg-script.ts';
import { validateGraph, type ValidationCache } from '../validate/validate-graph.ts';
import { discover, loadFolder, reloadFiles, type LoadedContent, type LoaderState, type LoadOptions } from './loader.ts';
import type { ContentGraph } from './types.ts';

/** What one update of a {@link ContentStore} changed. */
export interface ContentChange {
  /** The graph after the update (the store's current one). */
  graph: ContentGraph;
  /** The graph before it; `undefined` after the first load. */
  previous: ContentGraph | undefined;
  /** Paths (relative, POSIX) the update was given or found changed; every file after a load. */
  files: string[];
  /** Item ids by what happened to them: new, with a document or file that changed, gone. */
  items: { added: string[]; changed: string[]; removed: string[] };
  /** `load`: a whole folder was read (first load or {@link ContentStore.load} again); `update`: some paths. */
  kind: 'load' | 'update';
}

/** Called after every load and update, in order. */
export type ContentListener = (change: ContentChange) => void;

/** What `updateFiles` keeps with a graph: the loader's caches and the rules' per-item results. */
interface GraphState {
  loader: LoaderState;
  validation: ValidationCache;
}

export const StoreErrors = defineErrors({
  NotLoaded: {
    title: 'Content not loaded yet',
    message: () => 'The content store was asked for its graph before load() finished.',
    hint: 'This is a bug in the caller: await store.load(dir) (or ContentStore.open(dir)) before reading or updating the graph.',
  },
});

/**
 * The one content graph of a process. Every command builds it once
 * (`load`), the watching ones keep it current with `updateFiles`, and every
 * consumer (site pages, diagnostics, the playground catalog, the bundle, the
 * test plan) reads `graph` or subscribes to changes: nothing re-reads the
 * content folder behind its back.
 *
 * The loader builds the model; the store runs the rules over it
 * (`validateGraph`, with per-item results reused across updates), so the
 * graph it hands out always carries its diagnostics. Loads and updates run
 * one at a time, in call order.
 */
export class ContentStore {
  #graph: ContentGraph | undefined;
  #listeners = new Set<ContentListener>();
  #queue: Promise<unknown> = Promise.resolve();

  /** A store with `dir` loaded. */
  static async open(dir: string, options: LoadOptions = {}): Promise<ContentStore> {
    const store = new ContentStore();
    await store.load(dir, options);
    return store;
  }

  /** Whether a graph has been loaded. */
  get loaded(): boolean {
    return this.#graph !== undefined;
  }

  /** The current graph (throws `NotLoaded` before the first load). */
  get graph(): ContentGraph {
    if (!this.#graph) throw StoreErrors.NotLoaded();
    return this.#graph;
  }

  /** The current graph's diagnostics, sorted. */
  get diagnostics(): readonly Diagnostic[] {
    return this.graph.diagnostics;
  }

  /** Reads the whole folder (again) and validates it. */
  load(dir: string, options: LoadOptions = {}): Promise<ContentGraph> {
    return this.#enqueue(async () => {
      const previous = this.#graph;
      const graph = validated(await loadFolder(dir, options), { items: new Map() });
      this.#publish(previous, graph, [...graph.files], 'load');
      return graph;
    });
  }

  /**
   * Brings the graph up to date with these paths (absolute or relative to
   * the root; files or folders, added, edited or removed): only they are
   * read and parsed again, the rules re-run with unchanged items' results
   * reused. Resolves with what changed; listeners hear it first.
   */
  updateFiles(paths: readonly string[]): Promise<ContentChange> {
    return this.#enqueue(async () => {
      const previous = this.graph;
      const { graph, changed } = await update(previous, paths);
      return this.#publish(previous, graph, [...changed], 'update');
    });
  }

  /**
   * Compares the folder with the graph and updates every path that may
   * differ (after a burst of events a watcher could not follow): unchanged
   * files keep their parse results, so this is no second load.
   */
  rescan(): Promise<ContentChange> {
    const now = discover(this.graph.root);
    return this.updateFiles([...new Set([...this.graph.files, ...now.files])]);
  }

  /** Calls `listener` after every load and update; returns the unsubscribe function. */
  subscribe(listener: ContentListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #publish(previous: ContentGraph | undefined, graph: ContentGraph, files: string[], kind: ContentChange['kind']): ContentChange {
    this.#graph = graph;
    const change: ContentChange = { graph, previous, files, items: itemChanges(previous, graph), kind };
    for (const listener of this.#listeners) listener(change);
    return change;
  }
}

/**
 * Loads a content folder into one validated graph (a store of one load).
 * Never throws for content problems: they are `diagnostics`.
 */
export async function loadContent(rootDir: string, options: LoadOptions = {}): Promise<ContentGraph> {
  return validated(await loadFolder(rootDir, options), { items: new Map() });
}

/**
 * A graph after some files changed (added, edited or deleted): only those
 * are read and parsed again, items are re-assembled and the rules re-run
 * (unchanged items' results reused). Returns a new graph; the old one stays valid.
 */
export async function updateFiles(graph: ContentGraph, changedPaths: readonly string[]): Promise<ContentGraph> {
  return (await update(graph, changedPaths)).graph;
}

async function update(graph: ContentGraph, changedPaths: readonly string[]): Promise<{ graph: ContentGraph; changed: Set<string> }> {
  const state = graph.state as GraphState;
  const loaded = await reloadFiles({ root: graph.root, files: graph.files, state: state.loader }, changedPaths);
  return { graph: validated(loaded, { items: new Map(state.validation.items) }), changed: loaded.changed };
}

/** The graph of a load, with the rules run over it. */
function validated(loaded: LoadedContent, validation: ValidationCache): ContentGraph {
  const { root, items, byId, documents, files, diagnostics } = loaded;
  const state: GraphState = { loader: loaded.state, validation };
  const graph: ContentGraph = { root, items, byId, documents, files, diagnostics, state };
  // Published SVGs must not carry script (read once, like any listed file).
  for (const rel of files) {
    if (!/\.svg$/i.test(rel) || !rel.includes('__static__/')) continue;
    const text = loaded.read(rel);
    if (text !== undefined) diagnostics.push(...svgScriptDiagnostics(rel, text));
  }
  diagnostics.push(...validateGraph(graph, loaded.orphans, validation));
  diagnostics.sort(compareDiagnostics);
  return graph;
}

/** Items added, changed (a document's parse result, its files or its data differ) and removed. */
function itemChanges(previous: ContentGraph | undefined, graph: ContentGraph): ContentChange['items'] {
  const out: ContentChange['items'] = { added: [], changed: [], removed: [] };
  for (const item of graph.items) {
    const before = previous?.byId.get(item.id);
    if (!before) out.added.push(item.id);
    else if (
      before.documents.length !== item.documents.length ||
      before.documents.some((d, i) => d.parsed !== item.documents[i]?.parsed || d.file !== item.documents[i]?.file) ||
      before.files.join('\n') !== item.files.join('\n') ||
      before.playground?.name !== item.playground?.name
    )
      out.changed.push(item.id);
  }
  if (previous) for (const item of previous.items) if (!graph.byId.has(item.id)) out.removed.push(item.id);
  return out;
}
