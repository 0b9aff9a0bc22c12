import { compareDiagnostics, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { defineErrors } from '../errors/labkit-error.ts';
import { svgScriptDiagnostics } from '../validate/rules/svg-script.ts';
import { validateGraph, type ValidationCache } from '../validate/validate-graph.ts';
import { discover, loadFolder, loadRestored, reloadFiles, type LoadedContent, type LoaderState, type LoadOptions } from './loader.ts';
import { appendPackEntries, parseCachePath } from './parse-cache.ts';
import { lazyDocument, packInode, placeOf, previousDocument, readSnapshot, snapshotDoc, snapshotKey, snapshotPath, stampFiles, writeSnapshot, type PackPlace, type SnapshotDoc } from './snapshot.ts';
import { resolve } from 'node:path';
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
  if (options.snapshot && options.parseCache) return loadWithSnapshot(rootDir, options);
  return validated(await loadFolder(rootDir, options), { items: new Map() });
}

/**
 * {@link loadContent} through a graph snapshot (graph/snapshot.ts): the
 * folder is walked and every file statted; with a usable snapshot only the
 * files whose stamps changed are read and parsed, their parses appended to
 * the parse pack, and the rules re-run for the items they touch (the
 * per-item results of unchanged items come from the snapshot, as
 * `updateFiles` reuses them in a long-lived process). Without one, a full
 * load. Either way a new snapshot is written for the next process.
 */
async function loadWithSnapshot(rootDir: string, options: LoadOptions): Promise<ContentGraph> {
  const t0 = performance.now();
  let ms = 0;
  const root = resolve(rootDir);
  const cacheDir = typeof options.parseCache === 'string' ? options.parseCache : undefined;
  const file = snapshotPath(root, cacheDir, options);
  const pack = parseCachePath(root, cacheDir);
  const key = snapshotKey(root, options);
  const found = discover(root);
  // Stamps before any file is read: a file saved during the load is parsed again next time.
  const stamps = stampFiles(root, found.files);
  const read = options.snapshot === 'write' ? undefined : readSnapshot(file, key);
  // Places in a pack written whole since point nowhere: start afresh.
  const snap = read && read.packIno === packInode(pack) ? read : undefined;
  ms += performance.now() - t0;
  let loaded: LoadedContent;
  let validation: ValidationCache;
  let changed = found.files.length;
  const places = new Map<string, PackPlace>();
  let lagging = false;
  if (snap) {
    const now = new Set(found.files);
    const changedFiles = new Set<string>();
    // The empty stamp (changed within the racy window, now or when the snapshot was written) never matches.
    for (const [rel, stamp] of stamps) if (!stamp || snap.stamps.get(rel) !== stamp) changedFiles.add(rel);
    for (const rel of snap.stamps.keys()) if (!now.has(rel)) changedFiles.add(rel);
    for (const rel of found.files) if (!stamps.has(rel)) changedFiles.add(rel);
    changed = changedFiles.size;
    options.onChangedFiles?.([...changedFiles]);
    // The changed files' parses go into the shared pack, where `lab build`
    // reads the trees it renders: whole trees only, even for a load that
    // keeps only the rules' part (`trees: 'rules'`, lab validate --cache), as
    // a load through the parse cache does (phases/parse-markdown.ts).
    const state: LoaderState = { options: options.trees === 'rules' ? { ...options, trees: 'full' } : options, parsed: new Map(), ts: new Map(), texts: new Map(), refusedLinks: new Map(), unreadable: new Map(), known: new Set() };
    // A few edited files: each one's previous parse, with its text, so the
    // parse phase re-parses only the blocks around the edit (a 62 KB
    // tutorial: ~0.5 s in the guarded worker, most of a fresh rebuild's
    // load). Many changed files (a checkout) parse whole, on all cores.
    const previous = changedFiles.size <= LAGGING_FILES;
    for (const rec of snap.docs) {
      if (!now.has(rec.file)) continue;
      if (changedFiles.has(rec.file)) {
        const prev = previous ? previousDocument(pack, rec) : undefined;
        if (prev) state.parsed.set(rec.file, prev);
        continue;
      }
      state.parsed.set(rec.file, lazyDocument(root, pack, rec));
      state.known!.add(rec.file);
    }
    loaded = await loadRestored(root, found, state, changedFiles);
    validation = { items: snap.validation };
    // A few edited files (none added or removed) leave the snapshot as it
    // is: the next process parses and checks them again (tens of ms) where
    // writing it would cost a fresh rebuild ~0.3-0.5 s (9 MB at 3,000
    // pages). Only stamps that still match the old snapshot are trusted, so
    // a lagging snapshot is as correct as a new one. A changed file list
    // re-checks every item (and reads every tree), so it is written then.
    lagging = changedFiles.size <= LAGGING_FILES && [...changedFiles].every((rel) => snap.stamps.has(rel) && now.has(rel));
    if (!lagging) {
      // The fresh parses go into the pack, where the next process reads their trees.
      const fresh = [...loaded.state.parsed.values()].filter((d) => !state.known!.has(d.file));
      const t1 = performance.now();
      for (const [rel, at] of (fresh.length ? appendPackEntries(pack, fresh) : undefined) ?? []) places.set(rel, at);
      ms += performance.now() - t1;
    }
  } else {
    loaded = await loadFolder(root, options, found);
    validation = { items: new Map() };
  }
  const graph = validated(loaded, validation);
  const t2 = performance.now();
  const written = !lagging && writeSnapshotOf(file, key, stamps, loaded, validation, places, packInode(pack));
  ms += performance.now() - t2;
  options.onSnapshot?.({ use: snap ? 'restored' : options.snapshot === 'write' ? 'skipped' : 'none', changed, written, ms: Math.round(ms) });
  return graph;
}

/** Edited files a restored load leaves to the next process rather than write its snapshot again. */
const LAGGING_FILES = 16;

/** Writes the snapshot of a load, unless a document's tree is neither in the pack nor small enough to keep. */
function writeSnapshotOf(file: string, key: string, stamps: Map<string, string>, loaded: LoadedContent, validation: ValidationCache, places: Map<string, PackPlace>, packIno: number): boolean {
  if (packIno < 0) return false;
  const docs: SnapshotDoc[] = [];
  for (const doc of loaded.state.parsed.values()) {
    const rec = snapshotDoc(doc, placeOf(doc) ?? places.get(doc.file) ?? loaded.pack?.where(doc.file));
    if (!rec) return false;
    docs.push(rec);
  }
  return writeSnapshot(file, { key, stamps, docs, validation: validation.items, packIno });
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
