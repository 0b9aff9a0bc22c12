import { cp, mkdir, readFile, rename, rm, writeFile, copyFile, readdir, stat, symlink } from 'node:fs/promises';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createHash, randomBytes } from 'node:crypto';
import { fork, spawn } from 'node:child_process';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';
import { siteContentFromGraph } from '../content/from-source.ts';
import { loadContent, updateFiles, type ContentDocument, type ContentGraph, type ContentItem, type Diagnostic } from '@labkit/sdk';
import type { Root } from 'mdast';
import type { SiteDoc } from '../content/site-content.ts';
import { collectAssets, type SiteAsset } from '../content/assets.ts';
import { loadSiteConfig, type SiteUserConfig } from '../config/site-config.ts';
import { renderPage } from '../shell/render-page.ts';
import type { ClientAssetUrls, Page, PageModel, SiteConfig } from '../shell/page-model.ts';
import { SiteErrors } from '../errors.ts';
import { buildSitePages } from './site-pages.ts';
import { RenderCache, htmlDigest } from './render-cache.ts';
import { loadClientAssets } from './client-assets.ts';
import { buildSearchShards, indexSearch, linkSearch, searchRecords, warmSearch, type SearchOptions, type SearchRecord, type SearchSummary } from './search-index.ts';
import { prefeedSearch, type EarlyFeed } from './search-feed.ts';
import type { AstroJob } from './astro-child.ts';

export interface BuildOptions {
  /**
   * The content graph of `dir`, when the caller already loaded it (the one
   * graph of the process: `lab publish --test` validates, builds and tests
   * from one load). Used as is: the folder is not read again.
   */
  graph?: ContentGraph;
  /** The content folder. */
  dir: string;
  /** Output folder; replaced atomically when the build succeeds. */
  outDir: string;
  /** Overrides for `lab.config.ts`'s `site` block. */
  site?: SiteUserConfig;
  /** Flag unknown components on the pages. */
  preview?: boolean;
  /** Where rendered pages are cached between builds (default: `<outDir>/../.labkit-cache/<name>`). */
  cacheDir?: string;
  /** Ignore the cache and the previous output: render and run Astro from scratch. */
  force?: boolean;
  /** Progress callback (the CLI draws it on a terminal). */
  onProgress?: (event: BuildProgress) => void;
  /** Show Astro's own log. */
  verbose?: boolean;
  /**
   * Keep the content graph in memory for the next `build()` of the same
   * folder in this process, which then re-parses only changed files (for
   * long-lived callers; costs the graph's memory during the Astro run).
   */
  keepGraph?: boolean;
  /**
   * Pages per search shard (default 200). Big sites get several Pagefind
   * indexes, so a rebuild re-indexes only the shards whose pages changed.
   */
  searchShardSize?: number;
  /** `false` (`lab build --no-code`): never import `*.lab.ts` files; their items are left out. */
  code?: boolean;
  /**
   * Load and render in a child process, so the graph's and the render
   * workers' memory is returned before Astro runs. Default: for more than
   * 200 Markdown files, unless `keepGraph` or `graph` is set (a graph in
   * this process is used here) or a previous output is there to update.
   */
  isolate?: boolean;
  /**
   * With `keepGraph`: the content files (relative to `dir`, `/`-separated)
   * that changed since this process's previous build of the folder, as a
   * watcher reported them. Only these are statted instead of every file in
   * the folder; leave it out whenever a change may have gone unreported
   * (the first build after the watcher started, after a watcher error or a
   * failed build), and the whole folder is walked.
   */
  changedFiles?: string[];
}

export interface BuildProgress {
  phase: 'validate' | 'render' | 'astro' | 'write' | 'search' | 'swap';
  message: string;
}

export interface BuildResult {
  ok: boolean;
  /** Content problems (with positions); errors mean nothing was built. */
  diagnostics: Diagnostic[];
  outDir: string;
  /** `full` ran Astro; `incremental` rewrote only the pages that changed. */
  mode: 'full' | 'incremental' | 'none';
  pages: number;
  /** Pages whose HTML changed and was written in this build. */
  pagesWritten: number;
  /** Documents rendered now vs. taken from the cache. */
  rendered: number;
  reused: number;
  assets: number;
  durationMs: number;
  timings: Record<string, number>;
  /** The search shards, and which of them this build indexed (the rest came from the cache). */
  search?: SearchSummary;
}

/** Written next to the cache: what the last successful build produced. */
interface Manifest {
  // 2: page digests over the whole page (route, title, islands, model).
  // 3: the same, each HTML string standing in by its own digest (pageDigest).
  version: 3;
  outDir: string;
  configDigest: string;
  clientDigest: string;
  pages: Record<string, string>;
  assets: string[];
}

const APP_TEMPLATE = fileURLToPath(new URL('../../astro-app/', import.meta.url));
// src/ in the workspace, dist/ (compiled .js) when installed from the registry.
const EXT = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const SHELL_ENTRY = fileURLToPath(new URL(`../shell/index${EXT}`, import.meta.url));
const LOADER_ENTRY = fileURLToPath(new URL(`./astro-loader${EXT}`, import.meta.url));
const ASTRO_CHILD = fileURLToPath(new URL(`./astro-child${EXT}`, import.meta.url));

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex').slice(0, 24);

function pageFile(route: string): string {
  if (route === '404.html') return '404.html';
  return route === '' ? 'index.html' : `${route.replace(/\/$/, '')}/index.html`;
}

/** What the render phase leaves for the rest of the build: no graph, no page models. */
interface Rendered {
  diagnostics: Diagnostic[];
  usedAssets: SiteAsset[];
  config: SiteConfig;
  client: Awaited<ReturnType<typeof loadClientAssets>>;
  pageDigests: Record<string, string>;
  pageCount: number;
  records: SearchRecord[];
  previous: Manifest | undefined;
  /** Incremental: the HTML of the pages whose model changed, by output file. */
  changed?: Map<string, string>;
  /** Full: the spool file with every page, one JSON `Page` per line, for the Astro child. */
  spool?: string;
  rendered: number;
  reused: number;
  /** Render index tokens in the records (a fresh rebuild in this process): their digests and texts. */
  tokens?: SearchOptions['tokens'];
}

/**
 * Times the build's phases: `lap(name)` records the ms since the previous
 * lap as `timings[name]`, and where memory goes (MB of RSS at the end of
 * the phase) as `timings[name + "RssMb"]`; `restart()` starts the next
 * phase without recording one (time spent elsewhere, e.g. a child process
 * that sent its own timings). Shared with the render child.
 */
export function phaseTimer(): { timings: Record<string, number>; lap: (name: string) => void; restart: () => void } {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    timings[`${name}RssMb`] = Math.round(process.memoryUsage().rss / 1048576);
    t = now;
  };
  return { timings, lap, restart: () => (t = performance.now()) };
}

/**
 * Builds the learner site: validate, render (cached by content digest),
 * then either a full Astro build or, when only page contents changed, an
 * incremental rewrite of the changed pages in the previous output; then the
 * Pagefind index; then the swap into `outDir`.
 *
 * Memory: the content graph and the page models live only in the render
 * phase; the pages are spooled to disk and Astro runs in a child process
 * that reads them, so the graph, the render workers and Astro are never in
 * memory at the same time.
 *
 * A full build writes a new tree and swaps it in with two renames; an
 * incremental one replaces each changed file by a rename (readers see the
 * old or the new file, never half of one). A failure before the swap
 * leaves the previous output untouched.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const early: Early = {};
  try {
    return await buildOnce(options, early);
  } finally {
    await early.prefeed?.close();
    await early.release?.();
  }
}

/** What a build starts early for its search phase, given back when it ends. */
interface Early {
  prefeed?: EarlyFeed;
  /** Gives back Pagefind's service started by {@link warmSearch}. */
  release?: () => Promise<void>;
}

async function buildOnce(options: BuildOptions, early: Early): Promise<BuildResult> {
  const started = performance.now();
  const { timings, lap, restart } = phaseTimer();
  const progress = (phase: BuildProgress['phase'], message: string) => options.onProgress?.({ phase, message });
  const dir = path.resolve(options.dir);
  const outDir = path.resolve(options.outDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw SiteErrors.ContentDirMissing(dir);
  if (dir === outDir || dir.startsWith(outDir + path.sep) || outDir === path.parse(outDir).root) throw SiteErrors.OutDirUnsafe(outDir);
  const cacheDir = path.resolve(options.cacheDir ?? path.join(path.dirname(outDir), '.labkit-cache', path.basename(outDir)));
  const empty = { outDir, pages: 0, pagesWritten: 0, rendered: 0, reused: 0, assets: 0, timings };

  // A big one-shot build renders in a child process (see render-child.ts);
  // a long-lived caller keeps its graph here, for the next build.
  // A rebuild over a previous output (most likely incremental: no Astro, so
  // little memory) stays in this process and saves the child's start-up.
  const rebuild = !options.force && existsSync(path.join(outDir, 'index.html')) && (await readManifest(cacheDir))?.outDir === outDir;
  const isolate = options.graph === undefined && (options.isolate ?? (options.keepGraph !== true && !rebuild && (await countMarkdown(dir)) > ISOLATE_ABOVE_FILES));
  // A fresh rebuild feeds the edited pages' search shard to Pagefind on
  // the other core while the content loads and renders (search-feed.ts):
  // its worker starts now, reads the last build's shard lists, and feeds
  // the shard once the load names the changed files. Any other rebuild
  // over a previous output most likely indexes a shard too: Pagefind's
  // service starts now. With a feed it starts only if the feed guessed
  // wrong (a second service would take CPU from the load: ~40 ms of a
  // real page's rebuild).
  const warm = (): void => void (early.release ??= warmSearch());
  if (rebuild && !isolate && options.keepGraph !== true && options.graph === undefined && process.env['LABKIT_PREFEED'] !== '0') early.prefeed ??= prefeedSearch(cacheDir, warm);
  else if (!options.force && existsSync(path.join(outDir, 'index.html'))) warm();
  const prefeed = early.prefeed;
  const onChangedFiles = prefeed ? (files: readonly string[]) => prefeed.changed(files.map((f) => path.join(dir, f))) : undefined;
  const r = isolate ? await renderInChild({ dir, outDir, cacheDir, options: plainOptions(options) }, progress, timings) : await renderPhase(dir, outDir, cacheDir, options, progress, lap, 'auto', timings, onChangedFiles);
  restart();
  if (r.diagnostics.some((d) => d.severity === 'error')) {
    return { ok: false, diagnostics: r.diagnostics, mode: 'none', durationMs: Math.round(performance.now() - started), ...empty };
  }
  const { config, client, usedAssets, previous } = r;
  const mode: BuildResult['mode'] = r.changed ? 'incremental' : 'full';
  let pagesWritten = 0;
  let search: SearchSummary | undefined;
  const searchOptions = {
    cacheDir,
    force: options.force === true,
    ...(options.searchShardSize !== undefined ? { shardSize: options.searchShardSize } : {}),
    ...(options.keepGraph === true && options.code !== false ? { memo: memoFor(searchDigestMemos, cacheDir) } : {}),
    ...(r.tokens ? { tokens: r.tokens } : {}),
    ...(early.prefeed ? { prefeed: early.prefeed } : {}),
  };
  if (r.changed) {
    // Only the changed files move, each by a rename into the live output.
    progress('write', `Writing ${r.changed.size} changed pages`);
    const wanted = new Set(usedAssets.map((a) => a.outPath));
    const writes: Array<[string, string | { copyFrom: string }]> = [...r.changed];
    for (const a of usedAssets) if (!existsSync(path.join(outDir, a.outPath))) writes.push([a.outPath, { copyFrom: a.source }]);
    await replaceFiles(outDir, writes);
    pagesWritten = r.changed.size;
    for (const old of previous?.assets ?? []) if (!wanted.has(old)) await rm(path.join(outDir, old), { force: true });
    lap('write');
    progress('search', 'Indexing for search');
    search = await indexSearch(outDir, r.records, searchOptions);
    lap('search');
    // Records of the rebuilt shard taken as fed while the content loaded (`lab build --format json`).
    if (search.prefed !== undefined) timings['searchPrefed'] = search.prefed;
  } else {
    const work = path.join(path.dirname(outDir), `.${path.basename(outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
    // Pagefind is fed the records, never the built HTML, so the search
    // shards are indexed into the cache while the Astro child writes the
    // pages (one shard at a time: Pagefind's memory stays one shard's
    // beside Astro's); they are linked into the new tree once it exists.
    const searchStarted = performance.now();
    const shards = buildSearchShards(r.records, { ...searchOptions, concurrency: 1 }).then((built) => {
      timings['searchIndexMs'] = Math.round(performance.now() - searchStarted);
      return built;
    });
    shards.catch(() => {}); // awaited below, after Astro (or its failure)
    try {
      progress('astro', `Building ${r.pageCount} pages with Astro`);
      try {
        await runAstro(r.spool!, config, client.urls, work, cacheDir, options.verbose === true);
      } catch (error) {
        await shards.catch(() => {});
        throw error;
      }
      pagesWritten = r.pageCount;
      lap('astro');
      for (const f of client.files) {
        await mkdir(path.dirname(path.join(work, f.path)), { recursive: true });
        await writeFile(path.join(work, f.path), f.body);
      }
      for (const a of usedAssets) {
        const target = path.join(work, a.outPath);
        if (!existsSync(target)) {
          await mkdir(path.dirname(target), { recursive: true });
          await copyFile(a.source, target);
        }
      }
      lap('assets');
      progress('search', 'Indexing for search');
      // `search`: the wait for the shards after Astro, and their links (`searchIndexMs`: the indexing, from Astro's start).
      search = await linkSearch(work, await shards);
      lap('search');
      progress('swap', `Writing ${outDir}`);
      await swapInto(work, outDir);
      lap('swap');
    } catch (error) {
      await rm(work, { recursive: true, force: true });
      throw error;
    } finally {
      await rm(r.spool!, { force: true });
    }
  }
  await writeManifest(cacheDir, { version: 3, outDir, configDigest: sha(JSON.stringify(config)), clientDigest: clientDigestOf(client), pages: r.pageDigests, assets: usedAssets.map((a) => a.outPath) });
  lap('manifest');
  return {
    ok: true,
    diagnostics: r.diagnostics,
    outDir,
    mode,
    pages: r.pageCount,
    pagesWritten,
    rendered: r.rendered,
    reused: r.reused,
    assets: usedAssets.length,
    durationMs: Math.round(performance.now() - started),
    timings,
    ...(search ? { search } : {}),
  };
}

/**
 * Markdown files above which a one-shot build renders in a child process.
 * At 400, a 300-page build rendered here and this process still held its
 * heap while the Astro child ran (992 MB peak, more than at 1,000 pages);
 * below 200 the child's start-up is a bigger share of the build.
 */
const ISOLATE_ABOVE_FILES = 200;

const countMarkdown = async (dir: string) => countIn(await readdir(dir, { recursive: true }));
const countIn = (files: Iterable<string>) => {
  let n = 0;
  for (const f of files) if (f.endsWith('.md')) n++;
  return n;
};

/** What the render child gets: the build's options without the callbacks. */
export interface RenderJob {
  dir: string;
  outDir: string;
  cacheDir: string;
  options: Omit<BuildOptions, 'onProgress'>;
}

function plainOptions(options: BuildOptions): RenderJob['options'] {
  const { onProgress: _onProgress, graph: _graph, ...rest } = options;
  return rest;
}

const RENDER_CHILD = fileURLToPath(new URL(`./render-child${EXT}`, import.meta.url));
/** From src/ (the workspace) the children are TypeScript and resolve the @labkit packages to their sources, as the render workers do. */
const CHILD_EXEC_ARGV = EXT === '.ts' ? ['--conditions=labkit-source'] : [];

/**
 * The render child's semi-space, in MB (a spawn flag: V8 takes it only at
 * start-up). Node 24 sizes it at up to 64 MB here (a 134 MB young generation)
 * and the render phase's short-lived hast and strings filled all of it before
 * each scavenge; `lab validate` caps its loading thread the same way.
 */
const RENDER_CHILD_SEMI_SPACE_MB = 16;

/** Runs {@link renderPhase} in a child process (render-child.ts) and takes its result. */
async function renderInChild(job: RenderJob, progress: (phase: BuildProgress['phase'], message: string) => void, timings: Record<string, number>): Promise<Rendered> {
  type Reply =
    | { type: 'progress'; phase: BuildProgress['phase']; message: string }
    | { type: 'done'; timings: Record<string, number>; result: Omit<Rendered, 'client' | 'changed'> & { changed?: Array<[string, string]> } }
    | { type: 'error'; error: { code?: string; message: string; stack?: string } };
  const reply = await new Promise<Extract<Reply, { type: 'done' }>>((resolve, reject) => {
    // Few glibc arenas: the worker threads' freed memory is reused rather than kept per thread.
    // The semi-space goes in NODE_OPTIONS, not execArgv: worker threads start
    // with their parent's execArgv and refuse V8 flags there.
    const nodeOptions = [process.env['NODE_OPTIONS'], `--max-semi-space-size=${RENDER_CHILD_SEMI_SPACE_MB}`].filter(Boolean).join(' ');
    const env = { ...process.env, MALLOC_ARENA_MAX: process.env['MALLOC_ARENA_MAX'] ?? '2', NODE_OPTIONS: nodeOptions };
    const child = fork(RENDER_CHILD, [], { execArgv: CHILD_EXEC_ARGV, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
    let settled = false;
    child.on('message', (m: Reply) => {
      if (m.type === 'progress') progress(m.phase, m.message);
      else if (m.type === 'done') {
        settled = true;
        resolve(m);
      } else {
        settled = true;
        // The child's LabkitError (a content folder problem, a failed render) keeps its code and message.
        reject(Object.assign(new Error(m.error.message), { code: m.error.code, stack: m.error.stack }));
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (!settled) reject(SiteErrors.RenderFailed(`the render process ended with ${signal ?? `exit code ${code}`} (out of memory?)`));
    });
    child.send(job);
  });
  Object.assign(timings, reply.timings);
  const { config } = reply.result;
  const client = await loadClientAssets(config.base, config.runtimeUrl !== undefined, config.brandFiles);
  const { changed, ...rest } = reply.result;
  return { ...rest, client, ...(changed ? { changed: new Map(changed) } : {}) };
}

const clientDigestOf = (client: Awaited<ReturnType<typeof loadClientAssets>>) => sha(client.files.map((f) => f.path).join('\n'));

/**
 * Load, validate and render; decide between a full and an incremental
 * build; spool the pages to disk (full) or keep only the changed pages'
 * HTML (incremental). Everything big (the graph, the mdast, the page
 * models) is local to this function and unreachable when it returns.
 */
export async function renderPhase(
  dir: string,
  outDir: string,
  cacheDir: string,
  options: RenderJob['options'],
  progress: (phase: BuildProgress['phase'], message: string) => void,
  lap: (name: string) => void,
  /** `one`: render on this thread only (the render child on a machine of two cores or fewer). */
  threads: 'auto' | 'one' = 'auto',
  /** Where the load notes how it found the changed files (`stampMs`, `stampedFiles`). */
  timings: Record<string, number> = {},
  /** Told which files changed since the graph snapshot, before they are parsed (a fresh process that restored one). */
  onChangedFiles?: (files: readonly string[]) => void,
): Promise<Rendered> {
  progress('validate', 'Reading and validating content');
  const config = await loadSiteConfig(dir, { ...options.site, ...(options.preview ? { preview: true } : {}) });
  // Large repositories also render on worker threads; small ones do not
  // pay the workers' start-up.
  if (options.force || !options.keepGraph || options.code === false) graphs.delete(dir);
  const keep = options.keepGraph === true && options.code !== false;
  // A graph the caller holds (`lab publish --test` loaded it once) is used as is.
  const graph = options.graph ?? (await loadGraph(dir, outDir, keep, options.code !== false, options.changedFiles, timings, options.force === true, onChangedFiles));
  // A kept graph's stamps list the folder's files already: reading the
  // folder again to count them was ~0.2 s of every --watch save at 3,000 pages.
  const kept = !options.graph && keep ? graphs.get(dir)?.stamps : undefined;
  // The graph's load has just walked the folder: its list counts as well as a second walk (~0.2-0.3 s at 3,000 pages).
  const markdownFiles = countIn(kept ? kept.keys() : graph.files);
  const content = siteContentFromGraph(graph);
  // A graph only this build holds gives each document's mdast up once it is rendered.
  // A graph restored from its snapshot reads each tree when it is rendered, and holds no others.
  const release = keep || options.graph !== undefined || timings['snapshotRestored'] === 1 ? undefined : releaser(graph);
  const diagnostics = content.diagnostics;
  lap('load');
  const client = await loadClientAssets(config.base, config.runtimeUrl !== undefined, config.brandFiles);
  const base = { diagnostics, usedAssets: [], config, client, pageDigests: {}, pageCount: 0, records: [], previous: undefined, rendered: 0, reused: 0 };
  if (diagnostics.some((d) => d.severity === 'error')) return base;

  progress('render', `Rendering ${content.items.length} items`);
  // A one-shot build (the CLI) keeps no renders in memory: they go to disk
  // and into the page models; a long-lived caller keeps them for next time.
  // A one-shot build takes each document's search text from its cache
  // entry (written there when the document was rendered): a fresh rebuild
  // then extracts text from the changed documents only.
  const texts = keep ? undefined : new Map<string, string>();
  const previous = options.force ? undefined : await readManifest(cacheDir);
  const mayPatch =
    previous !== undefined &&
    previous.outDir === outDir &&
    previous.configDigest === sha(JSON.stringify(config)) &&
    previous.clientDigest === clientDigestOf(client) &&
    existsSync(path.join(outDir, 'index.html'));
  // A fresh process over a previous output (most likely a few changed pages)
  // takes unchanged documents from the render index: their HTML stands in as
  // a token (digest known, text known) until a page that shows it is written.
  const cache = options.force
    ? new RenderCache(path.join(cacheDir, 'render'), { read: false, memory: false, texts })
    : keep
      ? getCache(cacheDir)
      : new RenderCache(path.join(cacheDir, 'render'), { memory: false, texts, tokens: mayPatch });
  const hits0 = cache.hits;
  const misses0 = cache.misses;
  const assets = await collectAssets(content.items, content.root, { cacheFile: path.join(cacheDir, 'assets.json'), read: !options.force });
  // Big builds render on worker threads, one per core.
  const parallel = markdownFiles > 400 && threads === 'auto';
  const counts = () => ({ rendered: cache.misses - misses0, reused: cache.hits - hits0 });

  if (!keep && !mayPatch) {
    // A one-shot full build: each page goes to the spool (one JSON line, for
    // the Astro child) as soon as it is final, leaving only its digest and
    // search text here; no page model outlives its line.
    await mkdir(cacheDir, { recursive: true });
    const spool = path.join(cacheDir, `pages-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`);
    const out = createWriteStream(spool);
    out.on('error', () => {}); // seen by the next write or by `finished` below
    const pageDigests: Record<string, string> = {};
    const records: SearchRecord[] = [];
    let pageCount = 0;
    try {
      const { assets: usedAssets } = await buildSitePages(content, assets, config, cache, {
        parallel,
        ...(release ? { release } : {}),
        sink: async (p) => {
          pageCount++;
          pageDigests[p.route] = pageDigest(p);
          records.push(...searchRecords([p], config.base, texts, { consume: true }));
          if (out.errored) throw out.errored;
          if (!out.write(JSON.stringify(p) + '\n')) await once(out, 'drain');
          if (pageCount % COLLECT_EVERY_PAGES === 0) collectGarbage();
        },
      });
      out.end();
      await finished(out);
      await cache.finish();
      // Rendering, page digests, search text and the spool were one pass.
      lap('render');
      return { diagnostics, usedAssets, config, client, pageDigests, pageCount, records, previous, ...counts(), spool };
    } catch (error) {
      out.destroy();
      await rm(spool, { force: true });
      throw error;
    }
  }

  const { pages, assets: usedAssets } = await buildSitePages(content, assets, config, cache, { parallel, ...(release ? { release } : {}) });
  await cache.finish();
  lap('render');

  const pageDigests: Record<string, string> = {};
  const memo = keep ? memoFor(htmlDigestMemos, cacheDir) : undefined;
  const used = new Set<string>();
  for (const p of pages) pageDigests[p.route] = pageDigest(p, memo, used, cache);
  if (memo) for (const h of memo.keys()) if (!used.has(h)) memo.delete(h);
  const records = searchRecords(pages, config.base, keep ? memoFor(textMemos, cacheDir) : texts, { resolve: (html) => cache.resolve(html) });
  const canPatch = mayPatch && sameKeys(previous.pages, pageDigests);
  const tokens: SearchOptions['tokens'] = { digestOf: (part) => cache.textDigestOf(part), text: (part) => cache.text(part) };
  const common = { diagnostics, usedAssets, config, client, pageDigests, pageCount: pages.length, records, previous, tokens, ...counts() };
  if (canPatch) {
    const changed = new Map<string, string>();
    for (const p of pages) if (previous.pages[p.route] !== pageDigests[p.route]) changed.set(pageFile(p.route), renderPage(resolvePage(p, cache), config, client.urls));
    // Page digests, search text and the changed pages' HTML (build() restarts the timer after this phase).
    lap('pages');
    return { ...common, changed };
  }
  // Full build: the pages go to disk, one JSON line each, for the Astro child.
  lap('pages');
  await mkdir(cacheDir, { recursive: true });
  const spool = path.join(cacheDir, `pages-${process.pid}-${randomBytes(4).toString('hex')}.jsonl`);
  const out = createWriteStream(spool);
  // Stringified again rather than kept from the digests: holding every
  // page twice would raise the render phase's peak.
  for (const p of pages) if (!out.write(JSON.stringify(p, resolver(cache)) + '\n')) await once(out, 'drain');
  out.end();
  await finished(out);
  lap('spool');
  return { ...common, spool };
}

/**
 * Pages between full collections while a one-shot build streams: what it
 * keeps per page is small, but V8 let the render phase's garbage grow
 * until the end (the render child from ~400 to ~880 MB at 3,000 pages).
 */
const COLLECT_EVERY_PAGES = 400;

/**
 * Drops a rendered document's mdast from a graph nobody else holds (a
 * one-shot build's): the trees were most of the graph's memory, kept to the
 * end of the render phase though each is read once. The item keeps no
 * second reference to its index document's tree either.
 */
function releaser(graph: ContentGraph): (doc: SiteDoc) => void {
  const EMPTY = (): Root => ({ type: 'root', children: [] });
  const byFile = new Map<string, { doc: ContentDocument; items: ContentItem[] }>();
  for (const d of graph.documents.values()) byFile.set(path.join(graph.root, d.file), { doc: d, items: [] });
  for (const item of graph.items) for (const d of item.documents) if (item.mdast === d.parsed.mdast) byFile.get(path.join(graph.root, d.file))?.items.push(item);
  return (doc) => {
    const entry = byFile.get(doc.file);
    if (!entry) return;
    entry.doc.parsed.mdast = EMPTY();
    for (const item of entry.items) item.mdast = EMPTY();
    byFile.delete(doc.file);
  };
}

/**
 * The content graph per folder, kept for the life of the process: a second
 * `build()` (the bench, a watch loop, tests) stats the files and hands only
 * the changed ones to the SDK's `updateFiles`, so unchanged files are not
 * parsed again. A fresh process (the CLI) loads the graph once.
 */
const graphs = new Map<string, { graph: ContentGraph; stamps: Map<string, string> }>();

async function stampsOf(root: string, outDir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const isContent = contentFilter(root, outDir);
  await Promise.all(
    entries.map(async (e) => {
      if (!e.isFile()) return;
      const abs = path.join(e.parentPath, e.name);
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (!isContent(rel)) return;
      const st = await stat(abs).catch(() => undefined);
      if (st) out.set(rel, stampOf(st));
    }),
  );
  return out;
}

/** A file's stamp: it changed when this did. */
const stampOf = (st: { mtimeMs: number; size: number }): string => `${st.mtimeMs}:${st.size}`;

/**
 * Which `/`-separated paths under `root` are content to stamp: not in
 * node_modules or a dot folder, and not in the output, which may sit inside
 * the content folder (`lab build . --out site`): its pages are not content.
 */
function contentFilter(root: string, outDir: string): (rel: string) => boolean {
  const own = path.relative(root, outDir).split(path.sep).join('/') + '/';
  return (rel) => !rel.startsWith(own) && !rel.split('/').some((p) => p === 'node_modules' || p.startsWith('.'));
}

async function loadGraph(dir: string, outDir: string, keep: boolean, code: boolean, reported: string[] | undefined, timings: Record<string, number>, force: boolean, onChangedFiles?: (files: readonly string[]) => void): Promise<ContentGraph> {
  const prev = graphs.get(dir);
  const t0 = performance.now();
  // A watcher's list, when it has one, saves statting every file of the folder (~0.25 s at 3,000 pages).
  const listed = keep && prev && reported ? await restamp(dir, outDir, prev.stamps, reported) : undefined;
  const stamps = listed ?? (keep ? await stampsOf(dir, outDir) : new Map<string, string>());
  if (keep) {
    timings['stampMs'] = Math.round(performance.now() - t0);
    timings['stampedFiles'] = listed ? reported!.length : stamps.size;
  }
  let graph: ContentGraph;
  if (prev) {
    const changed = [...stamps].filter(([f, s]) => prev.stamps.get(f) !== s).map(([f]) => f);
    for (const f of prev.stamps.keys()) if (!stamps.has(f)) changed.push(f);
    graph = changed.length ? await updateFiles(prev.graph, changed) : prev.graph;
  } else {
    // The SDK picks parse workers itself ('auto') for big repositories;
    // unchanged files come from its on-disk parse cache.
    // A fresh process starts from the graph snapshot the last build wrote
    // (the SDK stats the files, parses and checks again only what changed);
    // --force loads everything and writes a new one.
    graph = await loadContent(dir, {
      parseCache: true,
      code,
      snapshot: force ? 'write' : true,
      onSnapshot: (r) => {
        timings['snapshotRestored'] = r.use === 'restored' ? 1 : 0;
        timings['snapshotChanged'] = r.changed;
        timings['snapshotMs'] = r.ms;
      },
      ...(onChangedFiles ? { onChangedFiles } : {}),
    });
  }
  if (keep) graphs.set(dir, { graph, stamps });
  return graph;
}

/**
 * The previous stamps with only the reported files statted again: a file
 * that is gone leaves (with everything under it, for a removed folder).
 * `undefined` when the list cannot be trusted to cover the change (a
 * folder that appeared, a path outside the folder): the caller walks.
 */
async function restamp(root: string, outDir: string, previous: Map<string, string>, reported: string[]): Promise<Map<string, string> | undefined> {
  const stamps = new Map(previous);
  const isContent = contentFilter(root, outDir);
  for (const rel of reported) {
    if (!rel || path.isAbsolute(rel) || rel.split('/').includes('..')) return undefined;
    if (!isContent(rel)) continue;
    const st = await stat(path.join(root, rel)).catch(() => undefined);
    if (st?.isFile()) stamps.set(rel, stampOf(st));
    else if (st) return undefined;
    else {
      stamps.delete(rel);
      for (const f of previous.keys()) if (f.startsWith(rel + '/')) stamps.delete(f);
    }
  }
  return stamps;
}

// Search text and digests by HTML, per cache folder, for long-lived
// callers: an unchanged document's HTML is the same string as last build
// (from the render cache in memory), so it is not read through again.
const textMemos = new Map<string, Map<string, string>>();
const htmlDigestMemos = new Map<string, Map<string, string>>();
const searchDigestMemos = new Map<string, Map<string, string>>();
function memoFor(memos: Map<string, Map<string, string>>, cacheDir: string): Map<string, string> {
  let m = memos.get(cacheDir);
  if (!m) memos.set(cacheDir, (m = new Map()));
  return m;
}

/**
 * A page's digest: its JSON with every `html` string replaced by that
 * string's own digest (the same coverage as hashing the whole JSON). With a
 * memo, the HTML of unchanged documents is not hashed again, and what is
 * left to hash per page is small.
 */
function pageDigest(p: Page, memo?: Map<string, string>, used?: Set<string>, cache?: RenderCache): string {
  const h = (value: string): string => {
    // A render index token carries its HTML's digest; HTML that joins
    // tokens (a lesson merged with its unit) is read and hashed whole.
    const token = cache?.digestOf(value);
    if (token !== undefined) return `#${token}`;
    const html = cache ? cache.resolve(value) : value;
    used?.add(html);
    let d = memo?.get(html);
    if (d === undefined) {
      d = htmlDigest(html);
      memo?.set(html, d);
    }
    return `#${d}`;
  };
  // The model with each `html` (the only fields that hold rendered HTML)
  // swapped, by copies that keep the key order: the JSON a replacer would
  // give, without a replacer call per value (~4x slower at 3,000 pages).
  const m = p.model;
  let model: PageModel;
  switch (m.type) {
    case 'item':
      model = { ...m, html: h(m.html), extras: m.extras.map((x) => ({ ...x, html: h(x.html) })) };
      break;
    case 'path':
      model = { ...m, html: h(m.html), units: m.units.map((u) => ({ ...u, html: h(u.html) })) };
      break;
    case 'course':
    case 'lesson':
      model = { ...m, html: h(m.html) };
      break;
    default:
      // The catalog, tags, categories (every card: ~4 MB of JSON at 3,000 pages), search, 404, redirects.
      return sha(JSON.stringify(p));
  }
  return sha(JSON.stringify({ ...p, model }));
}

/** A JSON replacer that puts each `html` token's HTML back (a page about to be written). */
function resolver(cache: RenderCache): (key: string, value: unknown) => unknown {
  return (key, value) => (key === 'html' && typeof value === 'string' ? cache.resolve(value) : value);
}

/** A copy of a page with every `html` token replaced by its HTML (a changed page, about to be written). */
function resolvePage(p: Page, cache: RenderCache): Page {
  return JSON.parse(JSON.stringify(p, resolver(cache))) as Page;
}

// One cache per folder per process: a long-lived caller (tests, the bench,
// a watch loop) keeps renders in memory as well as on disk.
const caches = new Map<string, RenderCache>();
function getCache(dir: string): RenderCache {
  let c = caches.get(dir);
  if (!c) caches.set(dir, (c = new RenderCache(path.join(dir, 'render'))));
  return c;
}

function sameKeys(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => k in b);
}

async function readManifest(cacheDir: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(path.join(cacheDir, 'manifest.json'), 'utf8')) as Manifest;
    return m.version === 3 ? m : undefined;
  } catch {
    return undefined;
  }
}

async function writeManifest(cacheDir: string, m: Manifest): Promise<void> {
  await mkdir(cacheDir, { recursive: true });
  const tmp = path.join(cacheDir, `manifest.json.${process.pid}`);
  await writeFile(tmp, JSON.stringify(m));
  await rename(tmp, path.join(cacheDir, 'manifest.json'));
}

/**
 * Puts files into the live output, each written beside its target and
 * renamed over it: a reader sees the old file or the new one, and a
 * one-file rebuild touches one file instead of copying the whole tree.
 * Every new file is written before the first rename, so a failed write
 * changes nothing.
 */
async function replaceFiles(outDir: string, files: Array<[string, string | { copyFrom: string }]>): Promise<void> {
  const tag = `.lk-${process.pid}-${randomBytes(4).toString('hex')}`;
  const staged: Array<[string, string]> = [];
  try {
    for (const [rel, body] of files) {
      const target = path.join(outDir, rel);
      await mkdir(path.dirname(target), { recursive: true });
      const tmp = target + tag;
      if (typeof body === 'string') await writeFile(tmp, body);
      else await copyFile(body.copyFrom, tmp);
      staged.push([tmp, target]);
    }
  } catch (error) {
    await Promise.all(staged.map(([tmp]) => rm(tmp, { force: true })));
    throw error;
  }
  for (const [tmp, target] of staged) await rename(tmp, target);
}

/**
 * Two renames: the old output moves aside, the new one takes its place,
 * then the old one is deleted. Between the renames `outDir` is briefly
 * absent, never half-written.
 */
async function swapInto(work: string, outDir: string): Promise<void> {
  const old = `${work}.old`;
  const hadOld = existsSync(outDir);
  if (hadOld) await rename(outDir, old);
  try {
    await rename(work, outDir);
  } catch (error) {
    if (hadOld) await rename(old, outDir);
    throw error;
  }
  if (hadOld) await rm(old, { recursive: true, force: true });
}

/**
 * The node_modules folder from which this package resolves `astro`, found the
 * way Node looks (nearest ancestor first, symlinks kept): the workspace's
 * packages/site/node_modules, an npm project's node_modules, or pnpm's
 * per-package folder beside this package in .pnpm.
 */
function astroNodeModules(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(path.join(candidate, 'astro', 'package.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw SiteErrors.AstroFailed('cannot find the astro package next to @labkit/site');
    dir = parent;
  }
}

async function runAstro(spool: string, config: SiteConfig, urls: ClientAssetUrls, outDir: string, cacheDir: string, verbose: boolean): Promise<void> {
  // Each build gets its own copy of the tiny Astro app: Astro writes its
  // generated types into the project, and builds may run side by side. The
  // copy lives in the build's cache folder (the author's project), never in
  // this package, which may sit in a read-only node_modules.
  const root = path.join(cacheDir, 'astro-app', `app-${process.pid}-${randomBytes(4).toString('hex')}`);
  await cp(APP_TEMPLATE, root, { recursive: true });
  // Only `astro` is linked: a dependency Vite can resolve from the root is
  // left external and then looked up at run time from Astro's prerender
  // folder (under the current directory), where it may not be; the rest is
  // bundled, as it was when the app copy lived inside this package.
  await mkdir(path.join(root, 'node_modules'), { recursive: true });
  await symlink(path.join(astroNodeModules(), 'astro'), path.join(root, 'node_modules', 'astro'), 'dir');
  for (const rel of ['src/content.config.ts', 'src/pages/[...route].astro', 'src/pages/404.astro']) {
    const f = path.join(root, rel);
    const text = await readFile(f, 'utf8');
    await writeFile(f, text.replaceAll("'@labkit/site/shell'", JSON.stringify(SHELL_ENTRY)).replaceAll("'@labkit/site/astro-loader'", JSON.stringify(LOADER_ENTRY)));
  }
  const jobFile = path.join(root, 'labkit-job.json');
  await writeFile(jobFile, JSON.stringify({ spool, config, urls, root, outDir, cacheDir, verbose } satisfies AstroJob));
  // The render phase's garbage (graph, mdast, page models) is collected
  // before Astro starts, so this process gives that memory back while the
  // child runs rather than holding it idle.
  collectGarbage();
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [...CHILD_EXEC_ARGV, ASTRO_CHILD, jobFile], { cwd: process.cwd(), stdio: ['ignore', verbose ? 'inherit' : 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-8000);
        if (verbose) process.stderr.write(d);
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        if (code === 0) resolve();
        else reject(SiteErrors.AstroFailed(stderr.trim().split('\n').slice(-6).join('\n') || `the Astro process ended with ${signal ?? `exit code ${code}`}`));
      });
    });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** A full garbage collection, when V8 lets us ask for one (it then returns freed heap pages to the system). */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // no gc available: memory is returned later, at V8's pace
  }
}
