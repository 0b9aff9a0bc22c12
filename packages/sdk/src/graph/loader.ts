import { existsSync, lstatSync, realpathSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { FILE_START, type Diagnostic } from '../diagnostics/diagnostic.ts';
import { diagnostic } from '../diagnostics/reporter.ts';
import type { ParsedDocument } from '../parse/parse-document.ts';
import { checkLink, discoverFiles, type RefusedLink, type UnreadableFolder } from './discover.ts';
import { ParseCache, parseCachePath } from './parse-cache.ts';
import type { ParseGuard, TreeKeep } from './workers.ts';
import type { ContentDocument, ContentGraph, ContentItem } from './types.ts';
import { createReader, unreadableDiagnostic, type ReadFile } from './phases/read-files.ts';
import { importTsModules, type TsModule } from './phases/ts-modules.ts';
import { parseMarkdown } from './phases/parse-markdown.ts';
import { isContentMarkdown, markdownItems } from './phases/markdown-items.ts';
import { linkCourses } from './phases/courses.ts';
import { tsContentItems } from './phases/ts-items.ts';
import { deriveFields } from './phases/derived.ts';

/** Options of {@link loadContent}. */
export interface LoadOptions {
  /**
   * Threads that parse Markdown (main thread included). Default `'auto'`:
   * one per core (at most 4) when there are 200 files or more to parse,
   * else 1. Workers pay a start-up cost and copy each mdast back, so they
   * only help on big repositories (`lab validate` of 1,000 items).
   */
  workers?: number | 'auto';
  /**
   * On-disk parse cache, so a new process parses only changed files:
   * `true` keeps it in the Labkit cache directory (`$LABKIT_CACHE`, else
   * `~/.cache/labkit`), a string names another cache directory; the pack is
   * `<dir>/parse/<sha256 of the root>.json`. Default off (cold, as `lab validate`).
   */
  parseCache?: string | boolean;
  /**
   * Import `*.lab.ts` files (run their code). Default `true`. `false` is
   * `lab validate --no-code`, for CI on a stranger's pull request: no
   * content code runs, each `*.lab.ts` is reported (`lab:code-not-run`,
   * info) and its items are left out; Markdown is validated as usual.
   */
  code?: boolean;
  /**
   * Limits of the guarded parse (time and heap per file, and which files
   * parse in a worker). Defaults: `contentLimits` (1 s of CPU time, 256 MB,
   * a 300 ms worst-case estimate or 64 KiB). A slow CI machine may raise `timeoutMs`.
   */
  parseGuard?: ParseGuard;
  /**
   * What each document keeps of its mdast. `'full'` (default): the whole
   * tree. `'rules'`: only the part the rules read (components, links,
   * images, headings, and the nodes on the way to them), for a caller that
   * wants diagnostics and renders nothing (`lab validate`): parse workers
   * post back a fraction of each tree, and the graph holds a fraction.
   * The diagnostics are the same. Ignored with `parseCache` (the pack keeps
   * whole trees for the commands that render them).
   */
  trees?: TreeKeep;
  /**
   * Graph snapshot (with `parseCache` only; see graph/snapshot.ts): `true`
   * starts from the one the last load of this folder wrote, when it is
   * whole and of this code, stats every file and parses and checks again
   * only what changed; then writes a new one. `'write'` loads everything
   * (a forced build) and writes one. Trees of unchanged documents are read
   * from the parse pack when first used. Default off.
   */
  snapshot?: boolean | 'write';
  /** Told how the load used the snapshot (with `snapshot` only). */
  onSnapshot?: (report: SnapshotReport) => void;
  /**
   * Told, as soon as a restored snapshot's stamps are compared and before
   * anything is parsed, which content files changed since it (relative to
   * the folder; added, edited and removed). A caller can start work that
   * depends only on which files changed (`lab build` starts indexing the
   * edited page's search shard) while the load parses them. Not called
   * when no snapshot was restored.
   */
  onChangedFiles?: (files: readonly string[]) => void;
}

/** How a load used its graph snapshot. */
export interface SnapshotReport {
  /** `restored`: started from the snapshot; else why not (`none`: no usable one; `skipped`: `snapshot: 'write'`). */
  use: 'restored' | 'none' | 'skipped';
  /** Content files whose stamp differed from the snapshot's (added, edited, removed); every file when not restored. */
  changed: number;
  /** Whether a new snapshot was written (not after a few edited files: the next load checks them again, see graph/store.ts). */
  written: boolean;
  /** Milliseconds spent reading and writing the snapshot and statting the files. */
  ms: number;
}

/** What the next {@link reloadFiles} reuses from a load. */
export interface LoaderState {
  options: LoadOptions;
  /** Parse results by relative path; reused while the text is unchanged. */
  parsed: Map<string, ParsedDocument>;
  /** Imported `*.lab.ts` modules by relative path. */
  ts: Map<string, TsModule>;
  /** Raw text of files read for the model (Markdown, TS, body files, SVGs). */
  texts: Map<string, string>;
  /** Symlinks never followed (outside the root or broken), by relative path. */
  refusedLinks: Map<string, RefusedLink>;
  /** Folders that could not be listed, by relative path. */
  unreadable: Map<string, UnreadableFolder>;
  /**
   * Files whose entry in `parsed` is known to be of the text on disk by
   * their stamp (restored from a graph snapshot): their text is not read
   * to compare. An update drops the paths it is given.
   */
  known?: Set<string>;
}

/**
 * The loader's output: the graph's model before validation (the store runs
 * the rules), the documents no item owns, and the reader the rules use for
 * files the model does not hold (SVG assets).
 */
export interface LoadedContent extends Pick<ContentGraph, 'root' | 'items' | 'byId' | 'documents' | 'files'> {
  /** Problems found while loading (parse, TS import, links, unreadable paths), unsorted. */
  diagnostics: Diagnostic[];
  /** Index documents whose kind fits nowhere; validation reports them. */
  orphans: ContentDocument[];
  /** Reads a listed file (texts cached in `state`; unreadable ones reported). */
  read: ReadFile;
  state: LoaderState;
  /** The parse pack this load read and saved (with `parseCache`). */
  pack?: ParseCache;
}

/** How many times this process walked a whole folder or updated files (tests count them). */
export const loaderStats = { folderLoads: 0, fileUpdates: 0 };

/**
 * Loads a content folder: discovers its files, imports `*.lab.ts`, parses
 * each Markdown document once, assembles items (folders, courses, content
 * as code) and derives their fields. Never throws for content problems:
 * they are `diagnostics`. Does not validate (see `ContentStore`).
 */
export async function loadFolder(rootDir: string, options: LoadOptions = {}, found: Found = discover(resolve(rootDir))): Promise<LoadedContent> {
  loaderStats.folderLoads++;
  const root = resolve(rootDir);
  const state: LoaderState = { options, parsed: new Map(), ts: new Map(), texts: new Map(), refusedLinks: new Map(), unreadable: new Map() };
  const { parseCache } = options;
  const cache = parseCache ? new ParseCache(parseCachePath(root, typeof parseCache === 'string' ? parseCache : undefined)) : undefined;
  return { ...(await loadFound(root, found, state, new Set(found.files), cache)), ...(cache ? { pack: cache } : {}) };
}

/** A folder's walk: its files, the symlinks refused and the folders that could not be listed. */
export type Found = ReturnType<typeof discover>;

/**
 * Loads `found` (a fresh walk of `root`) over a state restored from a
 * graph snapshot: entries of `state.parsed` in `state.known` are taken as
 * they are, every other Markdown file is read and parsed, items are
 * assembled afresh. `changed`: the paths whose stamps differed.
 */
export async function loadRestored(root: string, found: Found, state: LoaderState, changed: ReadonlySet<string>): Promise<LoadedContent> {
  loaderStats.folderLoads++;
  return loadFound(root, found, state, changed, undefined);
}

function loadFound(root: string, found: Found, state: LoaderState, changed: ReadonlySet<string>, cache: ParseCache | undefined): Promise<LoadedContent> {
  for (const r of found.refused) state.refusedLinks.set(r.path, r);
  for (const u of found.unreadable) state.unreadable.set(u.path, u);
  return assemble(root, found.files, state, changed, cache);
}

/**
 * Loads again after some paths changed (files or folders added, edited or
 * deleted): only those are read and parsed again (others keep their parse
 * result), then items are re-assembled. `previous` stays valid.
 */
export async function reloadFiles(previous: Pick<LoadedContent, 'root' | 'files' | 'state'>, changedPaths: readonly string[]): Promise<LoadedContent & { changed: Set<string> }> {
  loaderStats.fileUpdates++;
  const { root, state } = previous;
  const next: LoaderState = {
    options: state.options,
    parsed: new Map(state.parsed),
    ts: new Map(state.ts),
    texts: new Map(state.texts),
    refusedLinks: new Map(state.refusedLinks),
    unreadable: new Map(state.unreadable),
    ...(state.known ? { known: new Set(state.known) } : {}),
  };
  const files = new Set(previous.files);
  const changed = new Set<string>();
  let found: { files: string[]; refused: RefusedLink[]; unreadable: UnreadableFolder[] } | undefined;
  const forget = (rel: string): void => {
    files.delete(rel);
    next.parsed.delete(rel);
    next.ts.delete(rel);
    next.texts.delete(rel);
    next.known?.delete(rel);
    next.refusedLinks.delete(rel);
  };
  for (const p of changedPaths) {
    const rel = toRel(root, p);
    if (rel === undefined) continue;
    changed.add(rel);
    next.known?.delete(rel);
    next.texts.delete(rel);
    next.refusedLinks.delete(rel);
    next.unreadable.delete(rel);
    const link = linkProblem(root, rel);
    if (link) {
      forget(rel);
      next.refusedLinks.set(rel, link);
      continue;
    }
    if (isDirectory(join(root, rel))) {
      // A folder event (added, or made readable): list it as the first scan would.
      found ??= discover(root);
      const prefix = rel + '/';
      for (const f of found.files) if (f.startsWith(prefix) && !files.has(f)) (files.add(f), changed.add(f));
      for (const r of found.refused) if (r.path.startsWith(prefix)) next.refusedLinks.set(r.path, r);
      for (const u of found.unreadable) if (u.path === rel || u.path.startsWith(prefix)) next.unreadable.set(u.path, u);
      continue;
    }
    if (existsSync(join(root, rel))) {
      files.add(rel);
      continue;
    }
    forget(rel);
    // A removed folder is one path to a watcher: its files go with it.
    const prefix = rel + '/';
    for (const f of [...files]) if (f.startsWith(prefix)) (forget(f), changed.add(f));
    for (const k of [...next.refusedLinks.keys()]) if (k.startsWith(prefix)) next.refusedLinks.delete(k);
    for (const k of [...next.unreadable.keys()]) if (k.startsWith(prefix)) next.unreadable.delete(k);
  }
  const loaded = await assemble(root, [...files].sort(), next, changed, undefined);
  return { ...loaded, changed };
}

/** Every path under `root` now, for a re-scan (what changed is not known). */
export function discover(root: string): { files: string[]; refused: RefusedLink[]; unreadable: UnreadableFolder[] } {
  const refused: RefusedLink[] = [];
  const unreadable: UnreadableFolder[] = [];
  return { files: discoverFiles(root, refused, unreadable), refused, unreadable };
}

async function assemble(root: string, fileList: string[], state: LoaderState, changed: ReadonlySet<string>, cache: ParseCache | undefined): Promise<LoadedContent> {
  const files = new Set(fileList);
  const diagnostics: Diagnostic[] = [];
  const read = createReader(root, files, state.texts, diagnostics);
  const bodyFiles = await importTsModules(root, fileList, files, state.ts, changed, state.options.code !== false, read, diagnostics);
  const mdFiles = fileList.filter((f) => isContentMarkdown(f) || bodyFiles.has(f));
  await parseMarkdown(mdFiles, files, state.parsed, cache, read, state.options, state.known);
  const md = markdownItems(root, fileList, mdFiles, bodyFiles, state.parsed, diagnostics);
  linkCourses(md.items, md.itemByDir, md.courseDirs);
  const items = [...md.items, ...tsContentItems(root, state.ts, read, md.documents, md.itemByDir, md.solutionsByDir, diagnostics)];
  const byId = deriveFields(items, fileList, md.itemByDir);
  for (const link of state.refusedLinks.values()) diagnostics.push(refusedLinkDiagnostic(link));
  for (const folder of state.unreadable.values()) diagnostics.push(unreadableDiagnostic(folder.path, folder.error, 'folder'));
  return { root, items, byId, documents: md.documents, files, diagnostics, orphans: md.orphans, read, state };
}

/** The refusal of `rel` when it is a symlink that leaves `root` or leads nowhere. */
function linkProblem(root: string, rel: string): RefusedLink | undefined {
  const abs = join(root, rel);
  try {
    if (!lstatSync(abs).isSymbolicLink()) return undefined;
  } catch {
    return undefined; // deleted
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return undefined;
  }
  const r = checkLink(realRoot, abs);
  return r.ok ? undefined : { path: rel, target: r.target, reason: r.reason };
}

function isDirectory(abs: string): boolean {
  try {
    return statSync(abs).isDirectory();
  } catch {
    return false;
  }
}

function toRel(root: string, p: string): string | undefined {
  const abs = resolve(root, p);
  const rel = relative(root, abs);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep).join('/');
}

function refusedLinkDiagnostic(link: RefusedLink): Diagnostic {
  const to = link.target ? ` (to ${link.target})` : '';
  return diagnostic(
    'lab:symlink-outside',
    link.path,
    FILE_START,
    link.reason === 'outside'
      ? `This symlink points outside the content folder${to}: Labkit never reads it, so build and publish leave it out. Copy the file into the folder instead.`
      : `This symlink leads to nothing Labkit can read${to}: it is left out of build and publish. Fix or remove the link.`,
  );
}
