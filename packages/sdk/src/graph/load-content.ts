import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { resolve, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Root } from 'mdast';
import { compareDiagnostics, type Diagnostic, type Span } from '../diagnostics/diagnostic.ts';
import { digestOf, parseDocument, type ParsedDocument } from '../parse/parse-document.ts';
import { pointerSegment } from '../parse/front-matter.ts';
import { contentKinds, type ContentKind } from '../schemas/content.ts';
import { referenceKinds, type ReferenceKey } from '../schemas/references.ts';
import { DEFAULT_TASK_TIMEOUT_SECONDS, taskSchema, type Task } from '../schemas/task.ts';
import type { Playground } from '../schemas/playground.ts';
import { validateGraph, type ValidationCache } from '../validate/validate-graph.ts';
import { svgScriptDiagnostics } from '../validate/svg-rules.ts';
import {
  baseName,
  dirName,
  checkLink,
  discoverFiles,
  isIndexFile,
  isLabTsFile,
  isSolutionFile,
  isUnitFile,
  orderOf,
  slugOf,
} from './discover.ts';
import type {
  ContentDocument,
  ContentGraph,
  ContentItem,
  ContentReference,
  DocumentRole,
  ItemKind,
  TaskEntry,
} from './types.ts';
import type { RefusedLink } from './discover.ts';
import { virtualDocument } from './virtual-document.ts';
import { tsRuntimeErrorSpan, tsSyntaxError } from '../define/ts-source.ts';
import { LineIndex } from '../parse/line-index.ts';
import { readIfExists } from '../util/read-if-exists.ts';
import { resolvePosix } from '../util/posix-path.ts';
import { ParseCache, parseCachePath } from './parse-cache.ts';
import { parseInThreads, threadCount, type ParseGuard } from './workers.ts';

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
}

interface TsModule {
  digest: string;
  value: unknown;
  error: string | undefined;
  /** The import error's stack, for where a module that parses failed while running. */
  stack?: string | undefined;
}

/** What `updateFiles` needs from the previous load. */
interface LoaderState {
  options: LoadOptions;
  /** Parse results by relative path; reused while the digest is unchanged. */
  parsed: Map<string, ParsedDocument>;
  /** Imported `*.lab.ts` modules by relative path. */
  ts: Map<string, TsModule>;
  /** Raw text of files read for the model (Markdown, TS, body files). */
  texts: Map<string, string>;
  /** Per-item validation results (see ValidationCache). */
  validation: ValidationCache;
  /** On-disk parse cache, open during the first load only. */
  cache?: ParseCache | undefined;
  /** Symlinks never followed (outside the root or broken), by relative path. */
  refusedLinks: Map<string, RefusedLink>;
}

const EMPTY_ROOT: Root = { type: 'root', children: [] };

/**
 * Loads a content folder into the one model: reads and parses each file
 * once, assembles items (tutorials, challenges, skill paths with units,
 * courses with modules and lessons, and `*.lab.ts` content), and validates
 * everything. Never throws for content problems: they are `diagnostics`.
 */
export async function loadContent(rootDir: string, options: LoadOptions = {}): Promise<ContentGraph> {
  const root = resolve(rootDir);
  const state: LoaderState = { options, parsed: new Map(), ts: new Map(), texts: new Map(), validation: { items: new Map() }, refusedLinks: new Map() };
  const { parseCache } = options;
  if (parseCache) state.cache = new ParseCache(parseCachePath(root, typeof parseCache === 'string' ? parseCache : undefined));
  const refused: RefusedLink[] = [];
  const files = discoverFiles(root, refused);
  for (const r of refused) state.refusedLinks.set(r.path, r);
  return build(root, files, state, new Set(files));
}

/**
 * Re-loads after some files changed (added, edited or deleted): only those
 * are read and parsed again (others come from the digest cache), then items
 * are re-assembled and all rules re-run (rules are linear and cheap next to
 * parsing). Returns a new graph; the old one stays valid.
 */
export async function updateFiles(graph: ContentGraph, changedPaths: readonly string[]): Promise<ContentGraph> {
  const state = graph.state as LoaderState;
  const next: LoaderState = {
    options: state.options,
    parsed: new Map(state.parsed),
    ts: new Map(state.ts),
    texts: new Map(state.texts),
    validation: { items: new Map(state.validation.items) },
    refusedLinks: new Map(state.refusedLinks),
  };
  const files = new Set(graph.files);
  const changed = new Set<string>();
  for (const p of changedPaths) {
    const rel = toRel(graph.root, p);
    if (rel === undefined) continue;
    changed.add(rel);
    next.texts.delete(rel);
    next.refusedLinks.delete(rel);
    const link = linkProblem(graph.root, rel);
    if (link) next.refusedLinks.set(rel, link);
    if (!link && existsSync(join(graph.root, rel))) files.add(rel);
    else {
      files.delete(rel);
      next.parsed.delete(rel);
      next.ts.delete(rel);
    }
  }
  // A TS module may read a body file: re-import modules whose body changed.
  return build(graph.root, [...files].sort(), next, changed);
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

function toRel(root: string, p: string): string | undefined {
  const abs = resolve(root, p);
  const rel = relative(root, abs);
  if (rel.startsWith('..') || rel === '') return undefined;
  return rel.split(sep).join('/');
}

function isContentMarkdown(rel: string): boolean {
  if (rel.includes('__static__/')) return false;
  const b = baseName(rel);
  return isIndexFile(b) || isUnitFile(b) || (b.endsWith('.md') && isSolutionFile(b));
}

async function build(root: string, fileList: string[], state: LoaderState, changed: Set<string>): Promise<ContentGraph> {
  const files = new Set(fileList);
  const diagnostics: Diagnostic[] = [];
  // Documents whose kind fits nowhere; validation reports them.
  const orphanDocs: ContentDocument[] = [];
  const read = (rel: string): string | undefined => {
    // Only listed files: a bodyFile naming a refused symlink reads nothing.
    if (!files.has(rel)) return undefined;
    let t = state.texts.get(rel);
    if (t === undefined) {
      // Gone since the scan: missing. Unreadable (permissions, I/O): thrown, never taken for missing.
      t = readIfExists(join(root, rel));
      if (t === undefined) return undefined;
      state.texts.set(rel, t);
    }
    return t;
  };

  // 1. Content as code: import every *.lab.ts (in parallel), unless code is off.
  const allTsFiles = fileList.filter((f) => isLabTsFile(baseName(f)) && !f.includes('__static__/'));
  const runCode = state.options.code !== false;
  const tsFiles = runCode ? allTsFiles : [];
  if (!runCode) for (const rel of allTsFiles) diagnostics.push(codeNotRunDiagnostic(rel));
  await Promise.all(
    tsFiles.map(async (rel) => {
      const text = read(rel) ?? '';
      const digest = digestOf(text);
      const prev = state.ts.get(rel);
      if (prev && prev.digest === digest && !changed.has(rel)) return;
      try {
        const mod = (await import(pathToFileURL(join(root, rel)).href + `?v=${digest}`)) as { default?: unknown };
        state.ts.set(rel, { digest, value: mod.default, error: undefined });
      } catch (error) {
        state.ts.set(rel, { digest, value: undefined, error: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
      }
    }),
  );
  for (const key of [...state.ts.keys()]) if (!files.has(key)) state.ts.delete(key);
  const bodyFiles = new Set<string>();
  for (const [rel, mod] of state.ts) {
    for (const b of bodyFilesOf(mod.value)) {
      const body = resolvePosix(dirName(rel), b);
      if (body !== undefined) bodyFiles.add(body);
    }
  }

  // 2. Markdown: parse every content document once (digest cache).
  const mdFiles = fileList.filter((f) => (isContentMarkdown(f) || bodyFiles.has(f)));
  const toParse: string[] = [];
  for (const rel of mdFiles) {
    const text = read(rel);
    if (text === undefined) continue;
    const prev = state.parsed.get(rel);
    if (prev && prev.source === text) continue;
    const cached = state.cache?.get(rel, text);
    if (cached) state.parsed.set(rel, cached);
    else toParse.push(rel);
  }
  const threads = threadCount(state.options.workers, toParse.length);
  const results = await parseInThreads(
    toParse.map((rel) => ({ file: rel, source: read(rel) ?? '' })),
    threads,
    state.options.parseGuard,
  );
  for (const doc of results) state.parsed.set(doc.file, doc);
  for (const key of [...state.parsed.keys()]) if (!files.has(key)) state.parsed.delete(key);
  if (state.cache) {
    // A file stopped by a limit is parsed again next time (a timeout may not recur).
    for (const doc of results) if (!doc.diagnostics.some((d) => d.ruleId === 'lab:content-limit')) state.cache.set(doc);
    state.cache.prune(new Set(state.parsed.keys()));
    state.cache.save();
    state.cache = undefined; // updateFiles keeps its cache in memory
  }

  // 3. Assemble items from the folder layout and the declared kinds.
  const items: ContentItem[] = [];
  const documents = new Map<string, ContentDocument>();
  const itemDirs = new Map<string, string>(); // dir → index file
  for (const rel of mdFiles) {
    if (bodyFiles.has(rel)) continue;
    const b = baseName(rel);
    if (!isIndexFile(b)) continue;
    const d = dirName(rel);
    if (!itemDirs.has(d)) itemDirs.set(d, rel);
  }
  const kindOf = (rel: string): ContentKind | undefined => {
    const data = state.parsed.get(rel)?.frontMatter.data;
    const k = data && typeof data === 'object' ? (data as { kind?: unknown }).kind : undefined;
    return typeof k === 'string' && (contentKinds as readonly string[]).includes(k) ? (k as ContentKind) : undefined;
  };
  const courseDirs = [...itemDirs].filter(([, f]) => kindOf(f) === 'course').map(([d]) => d);
  const courseOf = (dir: string): string | undefined => {
    let best: string | undefined;
    for (const c of courseDirs) if (c !== dir && (c === '' || dir.startsWith(c + '/')) && (best === undefined || c.length > best.length)) best = c;
    return best;
  };
  const docDiag = (doc: ParsedDocument): void => {
    diagnostics.push(...doc.diagnostics);
  };

  const unitsByDir = new Map<string, string[]>();
  const solutionsByDir = new Map<string, string[]>();
  for (const rel of fileList) {
    const b = baseName(rel);
    if (rel.includes('__static__/')) continue;
    if (isUnitFile(b) && !bodyFiles.has(rel)) push(unitsByDir, dirName(rel), rel);
    else if (isSolutionFile(b)) push(solutionsByDir, dirName(rel), rel);
  }

  const makeDocument = (rel: string, role: DocumentRole, fallbackName: string, order: number): ContentDocument | undefined => {
    const parsed = state.parsed.get(rel);
    if (!parsed) return undefined;
    docDiag(parsed);
    const data = parsed.frontMatter.data;
    const raw = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
    const declared = typeof raw?.['name'] === 'string' ? (raw['name'] as string) : undefined;
    const doc: ContentDocument = {
      file: rel,
      metaFile: rel,
      role,
      kind: kindOf(rel),
      name: role === 'index' ? fallbackName : (declared ?? fallbackName),
      order,
      data: raw,
      valid: false,
      parsed,
    };
    documents.set(rel, doc);
    return doc;
  };

  const dirsSorted = [...itemDirs.keys()].sort();
  const itemByDir = new Map<string, ContentItem>();
  for (const dir of dirsSorted) {
    const indexFile = itemDirs.get(dir) as string;
    const course = courseOf(dir);
    const kind = kindOf(indexFile);
    const base = dir === '' ? baseName(root.split(sep).join('/')) : baseName(dir);
    let itemKind: ItemKind | undefined;
    if (course !== undefined) {
      itemKind = kind === 'module' || kind === 'lesson' ? kind : hasChildIndex(dir, dirsSorted) ? 'module' : 'lesson';
    } else if (kind === 'tutorial' || kind === 'challenge' || kind === 'skill-path' || kind === 'course' || kind === 'playground') {
      itemKind = kind;
    }
    const index = makeDocument(indexFile, 'index', course !== undefined ? slugOf(base) : base, -1);
    if (!index) continue;
    if (itemKind === undefined) {
      // Kind missing or misplaced: reported by validation on the document.
      orphanDocs.push(index);
      continue;
    }
    const item = newItem(itemKind, course !== undefined ? slugOf(base) : base, dir, 'markdown', index);
    item.order = course !== undefined ? orderOf(base) : 0;
    const units = (unitsByDir.get(dir) ?? [])
      .map((u) => makeDocument(u, 'unit', baseName(u).replace(/\.md$/, ''), orderOf(baseName(u))))
      .filter((d): d is ContentDocument => d !== undefined)
      .sort((a, b) => a.order - b.order || (a.file < b.file ? -1 : 1));
    item.documents.push(...units);
    for (const s of solutionsByDir.get(dir) ?? []) {
      item.solutions.push(s);
      if (s.endsWith('.md')) {
        const d = makeDocument(s, 'solution', baseName(s).replace(/\.md$/, ''), 0);
        if (d) item.documents.push(d);
      }
    }
    items.push(item);
    itemByDir.set(dir, item);
  }

  // Course structure: parents, children, ids, paths.
  for (const item of items) {
    if (item.kind !== 'module' && item.kind !== 'lesson') continue;
    const courseDir = courseOf(item.dir) as string;
    const course = itemByDir.get(courseDir);
    const parentDir = dirName(item.dir);
    const parent = itemByDir.get(parentDir) ?? course;
    const chain: string[] = [];
    let d = item.dir;
    while (d !== courseDir && d !== '') {
      chain.unshift(slugOf(baseName(d)));
      d = dirName(d);
    }
    item.path = chain.join('/');
    item.id = `${item.kind}:${course?.name ?? ''}/${item.path}`;
    item.parent = parent?.id;
  }
  for (const item of items) if (item.kind !== 'module' && item.kind !== 'lesson') item.id = `${item.kind}:${item.name}`;
  const byIdTmp = new Map(items.map((i) => [i.id, i]));
  for (const item of items) {
    if (item.parent) byIdTmp.get(item.parent)?.children.push(item.id);
  }
  for (const item of items) {
    item.children.sort((a, b) => (byIdTmp.get(a)?.order ?? 0) - (byIdTmp.get(b)?.order ?? 0) || (a < b ? -1 : 1));
  }

  // TypeScript items.
  for (const [rel, mod] of [...state.ts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const text = read(rel) ?? '';
    if (mod.error !== undefined || !isDefinition(mod.value)) {
      diagnostics.push(tsLoadDiagnostic(rel, text, pathToFileURL(join(root, rel)).href, mod));
      continue;
    }
    const made = tsItems(rel, text, mod.value, read, (doc) => documents.set(doc.file, doc), diagnostics);
    items.push(...made);
    // `index.lab.ts` owns its folder like `index.md` does (files, assets, solutions).
    const top = made[0];
    if (top && baseName(rel) === 'index.lab.ts' && !itemByDir.has(top.dir)) {
      itemByDir.set(top.dir, top);
      top.files.length = 0;
      top.solutions.push(...(solutionsByDir.get(top.dir) ?? []));
    }
  }

  // Derived fields: files, assets, tasks, references, playground.
  const ownerOf = (rel: string): ContentItem | undefined => {
    let d = dirName(rel);
    for (;;) {
      const it = itemByDir.get(d);
      if (it) return it;
      if (d === '') return undefined;
      d = dirName(d);
    }
  };
  for (const rel of fileList) {
    const owner = ownerOf(rel);
    if (!owner) continue;
    owner.files.push(rel);
    const inItem = owner.dir === '' ? rel : rel.slice(owner.dir.length + 1);
    if (inItem.startsWith('__static__/')) owner.assets.push(inItem);
  }
  for (const item of items) {
    if (item.format === 'typescript' && itemByDir.get(item.dir) !== item) {
      const staticPrefix = item.dir === '' ? '__static__/' : `${item.dir}/__static__/`;
      for (const rel of fileList) if (rel.startsWith(staticPrefix)) item.assets.push(rel.slice(staticPrefix.length - '__static__/'.length));
    }
    const index = item.documents[0];
    item.data = index?.data;
    item.mdast = index?.parsed.mdast ?? EMPTY_ROOT;
    item.tasks = tasksOf(index);
    item.references = item.documents.flatMap(referencesOf);
  }
  const byId = new Map<string, ContentItem>();
  for (const item of items) byId.set(item.id, item);
  for (const item of items) {
    // A definition's own `playground:` is its machines, not a playground it runs on.
    if (item.kind === 'playground') continue;
    const own = playgroundOf(item.data);
    if (own) item.playground = own;
    else if (item.kind === 'lesson') {
      let p = item.parent ? byId.get(item.parent) : undefined;
      while (p && !p.playground && p.parent) p = byId.get(p.parent);
      item.playground = p?.playground ?? (p ? playgroundOf(p.data) : undefined);
    }
  }

  const graph: ContentGraph = {
    root,
    items,
    byId,
    documents,
    files,
    diagnostics,
    state,
  };
  for (const link of state.refusedLinks.values()) diagnostics.push(refusedLinkDiagnostic(link));
  // Published SVGs must not carry script (read once, like any listed file).
  for (const rel of fileList) {
    if (!/\.svg$/i.test(rel) || !rel.includes('__static__/')) continue;
    const text = read(rel);
    if (text !== undefined) diagnostics.push(...svgScriptDiagnostics(rel, text));
  }
  diagnostics.push(...validateGraph(graph, orphanDocs, state.validation));
  diagnostics.sort(compareDiagnostics);
  return graph;
}

function codeNotRunDiagnostic(rel: string): Diagnostic {
  return {
    file: rel,
    span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    ruleId: 'lab:code-not-run',
    severity: 'info',
    message: 'Not evaluated (--no-code): this file\'s code was not run, so its content is not checked or built.',
  };
}

function refusedLinkDiagnostic(link: RefusedLink): Diagnostic {
  const to = link.target ? ` (to ${link.target})` : '';
  return {
    file: link.path,
    span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
    ruleId: 'lab:symlink-outside',
    severity: 'error',
    message:
      link.reason === 'outside'
        ? `This symlink points outside the content folder${to}: Labkit never reads it, so build and publish leave it out. Copy the file into the folder instead.`
        : `This symlink leads to nothing Labkit can read${to}: it is left out of build and publish. Fix or remove the link.`,
  };
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

function hasChildIndex(dir: string, dirs: string[]): boolean {
  return dirs.some((d) => d.startsWith(dir + '/'));
}

function newItem(kind: ItemKind, name: string, dir: string, format: 'markdown' | 'typescript', index: ContentDocument): ContentItem {
  return {
    id: `${kind}:${name}`,
    kind,
    name,
    path: name,
    dir,
    format,
    files: [],
    documents: [index],
    data: undefined,
    mdast: EMPTY_ROOT,
    playground: undefined,
    tasks: [],
    references: [],
    assets: [],
    solutions: [],
    parent: undefined,
    children: [],
    order: 0,
  };
}

function playgroundOf(data: Record<string, unknown> | undefined): Playground | undefined {
  const p = data?.['playground'];
  return p && typeof p === 'object' && typeof (p as { name?: unknown }).name === 'string' ? (p as Playground) : undefined;
}

/** Tasks of a document, each resolved on its own so one bad task does not hide the others. */
function tasksOf(doc: ContentDocument | undefined): TaskEntry[] {
  const raw = doc?.data?.['tasks'];
  if (!doc || !raw || typeof raw !== 'object' || Array.isArray(raw)) return [];
  const places = doc.parsed.frontMatter.places;
  const out: TaskEntry[] = [];
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const r = taskSchema.safeParse(value);
    const task: Task = r.success
      ? r.data
      : ({ ...(value as object), timeout_seconds: (value as { timeout_seconds?: number }).timeout_seconds ?? DEFAULT_TASK_TIMEOUT_SECONDS } as Task);
    const place = places[`/tasks/${pointerSegment(name)}`];
    out.push({ name, task, file: doc.metaFile, span: place?.key ?? doc.parsed.frontMatter.span });
  }
  return out;
}

function referencesOf(doc: ContentDocument): ContentReference[] {
  const data = doc.data;
  if (!data || doc.role === 'solution') return [];
  const out: ContentReference[] = [];
  for (const map of Object.keys(referenceKinds) as ReferenceKey[]) {
    const m = data[map];
    if (!m || typeof m !== 'object' || Array.isArray(m)) continue;
    for (const [name, entry] of Object.entries(m as Record<string, unknown>)) {
      const lessons = entry && typeof entry === 'object' && Array.isArray((entry as { lessons?: unknown }).lessons)
        ? ((entry as { lessons: unknown[] }).lessons.filter((l) => typeof l === 'string') as string[])
        : [];
      const place = doc.parsed.frontMatter.places[`/${pointerSegment(map)}/${pointerSegment(name)}`];
      out.push({ map, name, lessons, file: doc.metaFile, span: place?.key ?? doc.parsed.frontMatter.span, target: undefined });
    }
  }
  return out;
}

// ---------- content as code ----------

interface Definition {
  kind: string;
  [key: string]: unknown;
}

function isDefinition(v: unknown): v is Definition {
  return !!v && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string';
}

function bodyFilesOf(v: unknown): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      x.forEach(visit);
      return;
    }
    const o = x as Record<string, unknown>;
    if (typeof o['bodyFile'] === 'string') out.push(o['bodyFile']);
    for (const k of ['units', 'lessons', 'modules']) if (Array.isArray(o[k])) visit(o[k]);
  };
  visit(v);
  return out;
}

const STRUCTURE_KEYS = new Set(['name', 'body', 'bodyFile', 'units', 'lessons', 'modules']);

function tsItems(
  rel: string,
  text: string,
  def: Definition,
  read: (rel: string) => string | undefined,
  addDoc: (doc: ContentDocument) => void,
  diagnostics: Diagnostic[],
): ContentItem[] {
  const dir = dirName(rel);
  const stem = baseName(rel).replace(/\.lab\.ts$/, '');
  const fileName = stem === 'index' ? (dir === '' ? 'index' : baseName(dir)) : stem;
  const meta = (o: Record<string, unknown>, kind: string): Record<string, unknown> => {
    const out: Record<string, unknown> = { kind };
    for (const [k, v] of Object.entries(o)) if (!STRUCTURE_KEYS.has(k) && k !== 'kind') out[k] = v;
    if (kind === 'unit' && typeof o['name'] === 'string') out['name'] = o['name'];
    return out;
  };
  // `base`: where `o` sits in the definition (`['units', 0]`), for places.
  const doc = (o: Record<string, unknown>, kind: string, role: DocumentRole, name: string, order: number, key: string, base: (string | number)[] = []): ContentDocument => {
    const data = meta(o, kind);
    let parsed: ParsedDocument;
    let file = key;
    if (typeof o['bodyFile'] === 'string') {
      file = resolvePosix(dir, o['bodyFile']) ?? o['bodyFile'];
      const src = read(file);
      if (src === undefined) {
        parsed = virtualDocument(key, text, data, '', base);
        diagnostics.push({
          file: rel,
          span: parsed.frontMatter.places['/bodyFile']?.value ?? { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
          ruleId: 'lab:broken-link',
          severity: 'error',
          message: `bodyFile "${o['bodyFile']}" does not exist.`,
          hint: `Create ${file}, or point bodyFile at the Markdown body next to this definition.`,
        });
        file = key;
      } else {
        const body = parseDocument(src, { file });
        diagnostics.push(...body.diagnostics);
        const v = virtualDocument(rel, text, data, undefined, base);
        parsed = { ...v, file, source: src, digest: body.digest, mdast: body.mdast, frontMatter: { ...v.frontMatter } };
        // Metadata places stay in the .lab.ts; the body's lines are the body file's.
        parsed.frontMatter.places = v.frontMatter.places;
      }
    } else {
      parsed = virtualDocument(key, text, data, typeof o['body'] === 'string' ? o['body'] : undefined, base);
    }
    const d: ContentDocument = { file, metaFile: rel, role, kind: kind as ContentKind, name, order, data, valid: false, parsed };
    addDoc(d);
    return d;
  };
  const name = typeof def['name'] === 'string' ? def['name'] : fileName;
  const kind = def.kind;
  if (kind !== 'tutorial' && kind !== 'challenge' && kind !== 'skill-path' && kind !== 'course' && kind !== 'playground') {
    diagnostics.push({
      file: rel,
      span: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
      ruleId: 'lab:unknown-kind',
      severity: 'error',
      message: `A .lab.ts file must define a tutorial, challenge, skill path, course or playground, not "${kind}".`,
    });
    return [];
  }
  const index = doc(def, kind, 'index', name, -1, rel);
  const item = newItem(kind, name, dir, 'typescript', index);
  item.files.push(rel);
  const units = Array.isArray(def['units']) ? (def['units'] as Record<string, unknown>[]) : [];
  units.forEach((u, i) => {
    const uname = typeof u['name'] === 'string' ? u['name'] : `unit-${(i + 1) * 10}`;
    item.documents.push(doc(u, 'unit', 'unit', uname, (i + 1) * 10, `${rel}#${uname}`, ['units', i]));
  });
  const out = [item];
  if (kind === 'course') {
    const addLessons = (lessons: unknown, parent: ContentItem, prefix: string, at: (string | number)[]): void => {
      if (!Array.isArray(lessons)) return;
      lessons.forEach((l: Record<string, unknown>, i) => {
        const lname = typeof l['name'] === 'string' ? l['name'] : `lesson-${i + 1}`;
        const path = prefix ? `${prefix}/${lname}` : lname;
        const ld = doc(l, 'lesson', 'index', lname, -1, `${rel}#${path}`, [...at, i]);
        const lesson = newItem('lesson', lname, dir, 'typescript', ld);
        lesson.id = `lesson:${name}/${path}`;
        lesson.path = path;
        lesson.parent = parent.id;
        lesson.order = (i + 1) * 10;
        const lu = Array.isArray(l['units']) ? (l['units'] as Record<string, unknown>[]) : [];
        lu.forEach((u, j) => {
          const uname = typeof u['name'] === 'string' ? u['name'] : `unit-${(j + 1) * 10}`;
          lesson.documents.push(doc(u, 'unit', 'unit', uname, (j + 1) * 10, `${rel}#${path}/${uname}`, [...at, i, 'units', j]));
        });
        parent.children.push(lesson.id);
        out.push(lesson);
      });
    };
    item.id = `course:${name}`;
    const modules = Array.isArray(def['modules']) ? (def['modules'] as Record<string, unknown>[]) : [];
    modules.forEach((m, i) => {
      const mname = typeof m['name'] === 'string' ? m['name'] : `module-${i + 1}`;
      const md = doc(m, 'module', 'index', mname, -1, `${rel}#${mname}`, ['modules', i]);
      const mod = newItem('module', mname, dir, 'typescript', md);
      mod.id = `module:${name}/${mname}`;
      mod.path = mname;
      mod.parent = item.id;
      mod.order = (i + 1) * 10;
      item.children.push(mod.id);
      out.push(mod);
      addLessons(m['lessons'], mod, mname, ['modules', i, 'lessons']);
    });
    // Flat lessons after the modules, in the order written.
    addLessons(def['lessons'], item, '', ['lessons']);
  }
  return out;
}

/**
 * `lab:ts-load` at the real place: a syntax error where the parser stops
 * (with its message), a module that throws at its stack frame in the file,
 * else the file's first line.
 */
function tsLoadDiagnostic(rel: string, text: string, fileUrl: string, mod: TsModule): Diagnostic {
  const lines = new LineIndex(text);
  const start: Span = { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  if (mod.error === undefined) {
    return { file: rel, span: start, ruleId: 'lab:ts-load', severity: 'error', message: 'The default export is not content: export default defineChallenge({...}) (or defineTutorial, defineSkillPath, defineCourse).' };
  }
  const syntax = tsSyntaxError(text, lines);
  if (syntax) return { file: rel, span: syntax.span, ruleId: 'lab:ts-load', severity: 'error', message: `Syntax error in this definition: ${syntax.message}.` };
  return { file: rel, span: tsRuntimeErrorSpan(mod.stack, fileUrl, lines) ?? start, ruleId: 'lab:ts-load', severity: 'error', message: `Cannot import this file: ${mod.error.split('\n')[0]}` };
}
