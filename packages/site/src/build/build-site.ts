import { cp, mkdir, readFile, rename, rm, writeFile, copyFile, readdir, stat, symlink } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { siteContentFromGraph } from '../content/from-source.ts';
import { loadContent, updateFiles, type ContentGraph, type Diagnostic } from '@labkit/sdk';
import type { SiteContent } from '../content/site-content.ts';
import { collectAssets } from '../content/assets.ts';
import { loadSiteConfig, type SiteUserConfig } from '../config/site-config.ts';
import { renderPage } from '../shell/render-page.ts';
import type { Page, SiteConfig } from '../shell/page-model.ts';
import { SiteErrors } from '../errors.ts';
import { buildSitePages } from './site-pages.ts';
import { RenderCache } from './render-cache.ts';
import { loadClientAssets } from './client-assets.ts';
import { setLoaderFeed } from './astro-loader.ts';
import { indexSearch, searchRecords, type SearchSummary } from './search-index.ts';

export interface BuildOptions {
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
  version: 1;
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

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex').slice(0, 24);

function pageFile(route: string): string {
  if (route === '404.html') return '404.html';
  return route === '' ? 'index.html' : `${route.replace(/\/$/, '')}/index.html`;
}

/**
 * Builds the learner site: validate, render (cached by content digest),
 * then either a full Astro build or, when only page contents changed, an
 * incremental rewrite of the changed pages over a copy of the previous
 * output; then the Pagefind index; then an atomic swap into `outDir`.
 * A failure at any step leaves the previous output untouched.
 */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    // Where memory goes, phase by phase (MB of RSS at the end of the phase).
    timings[`${name}RssMb`] = Math.round(process.memoryUsage().rss / 1048576);
    t = now;
  };
  const progress = (phase: BuildProgress['phase'], message: string) => options.onProgress?.({ phase, message });
  const dir = path.resolve(options.dir);
  const outDir = path.resolve(options.outDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw SiteErrors.ContentDirMissing(dir);
  if (dir === outDir || dir.startsWith(outDir + path.sep) || outDir === path.parse(outDir).root) throw SiteErrors.OutDirUnsafe(outDir);
  const cacheDir = path.resolve(options.cacheDir ?? path.join(path.dirname(outDir), '.labkit-cache', path.basename(outDir)));

  progress('validate', 'Reading and validating content');
  const config = await loadSiteConfig(dir, { ...options.site, ...(options.preview ? { preview: true } : {}) });
  // Large repositories also render on worker threads; small ones do not
  // pay the workers' start-up.
  const markdownFiles = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.md')).length;
  if (options.force || !options.keepGraph || options.code === false) graphs.delete(dir);
  const graph = await loadGraph(dir, options.keepGraph === true && options.code !== false, options.code !== false);
  let content: SiteContent | undefined = siteContentFromGraph(graph);
  const diagnostics = content.diagnostics;
  lap('load');
  const empty = { outDir, pages: 0, pagesWritten: 0, rendered: 0, reused: 0, assets: 0, timings };
  if (diagnostics.some((d) => d.severity === 'error')) {
    return { ok: false, diagnostics, mode: 'none', durationMs: Math.round(performance.now() - started), ...empty };
  }

  progress('render', `Rendering ${content.items.length} items`);
  const cache = options.force ? new RenderCache(path.join(cacheDir, 'render'), { read: false }) : getCache(cacheDir);
  const hits0 = cache.hits;
  const misses0 = cache.misses;
  const assets = await collectAssets(content.items, content.root);
  // Big builds render on worker threads, one per core.
  const { pages, assets: usedAssets } = await buildSitePages(content, assets, config, cache, markdownFiles > 400);
  const client = await loadClientAssets(config.base, config.runtimeUrl !== undefined, config.brandFiles);
  // The page models hold everything from here on: let the mdast go before
  // Astro runs, it is most of the heap on a big repository.
  content = undefined;
  lap('render');

  const configDigest = sha(JSON.stringify(config));
  const clientDigest = sha(client.files.map((f) => f.path).join('\n'));
  const pageDigests: Record<string, string> = {};
  for (const p of pages) {
    pageDigests[p.route] = sha(JSON.stringify(p.model) + p.title + (p.description ?? '') + p.islands.join());
  }
  const previous = options.force ? undefined : await readManifest(cacheDir);
  const canPatch =
    previous !== undefined &&
    previous.outDir === outDir &&
    previous.configDigest === configDigest &&
    previous.clientDigest === clientDigest &&
    existsSync(path.join(outDir, 'index.html')) &&
    sameKeys(previous.pages, pageDigests);

  const work = path.join(path.dirname(outDir), `.${path.basename(outDir)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  let mode: BuildResult['mode'];
  let pagesWritten = 0;
  let search: SearchSummary | undefined;
  try {
    if (canPatch) {
      mode = 'incremental';
      progress('write', 'Reusing the previous output');
      await linkCopy(outDir, work);
      const changed = pages.filter((p) => previous.pages[p.route] !== pageDigests[p.route]);
      for (const p of changed) {
        const file = path.join(work, pageFile(p.route));
        await mkdir(path.dirname(file), { recursive: true });
        // The copy shares inodes with the live output: replace, never rewrite in place.
        await rm(file, { force: true });
        await writeFile(file, renderPage(p, config, client.urls));
      }
      pagesWritten = changed.length;
      lap('write');
    } else {
      mode = 'full';
      progress('astro', `Building ${pages.length} pages with Astro`);
      await runAstro(pages, config, client.urls, work, cacheDir, options.verbose === true);
      pagesWritten = pages.length;
      lap('astro');
      for (const f of client.files) {
        await mkdir(path.dirname(path.join(work, f.path)), { recursive: true });
        await writeFile(path.join(work, f.path), f.body);
      }
    }
    // Assets: copy what pages use now, drop what they no longer use.
    const wanted = new Set(usedAssets.map((a) => a.outPath));
    for (const a of usedAssets) {
      const target = path.join(work, a.outPath);
      if (!existsSync(target)) {
        await mkdir(path.dirname(target), { recursive: true });
        await copyFile(a.source, target);
      }
    }
    for (const old of previous?.assets ?? []) if (!wanted.has(old)) await rm(path.join(work, old), { force: true });
    lap('assets');

    progress('search', 'Indexing for search');
    search = await indexSearch(work, searchRecords(pages, config.base), { cacheDir, force: options.force === true, ...(options.searchShardSize !== undefined ? { shardSize: options.searchShardSize } : {}) });
    lap('search');

    progress('swap', `Writing ${outDir}`);
    await swapInto(work, outDir);
    lap('swap');
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  await writeManifest(cacheDir, { version: 1, outDir, configDigest, clientDigest, pages: pageDigests, assets: usedAssets.map((a) => a.outPath) });
  await cache.prune();
  return {
    ok: true,
    diagnostics,
    outDir,
    mode,
    pages: pages.length,
    pagesWritten,
    rendered: cache.misses - misses0,
    reused: cache.hits - hits0,
    assets: usedAssets.length,
    durationMs: Math.round(performance.now() - started),
    timings,
    ...(search ? { search } : {}),
  };
}

/**
 * The content graph per folder, kept for the life of the process: a second
 * `build()` (the bench, a watch loop, tests) stats the files and hands only
 * the changed ones to the SDK's `updateFiles`, so unchanged files are not
 * parsed again. A fresh process (the CLI) loads the graph once.
 */
const graphs = new Map<string, { graph: ContentGraph; stamps: Map<string, string> }>();

async function stampsOf(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  await Promise.all(
    entries.map(async (e) => {
      if (!e.isFile()) return;
      const abs = path.join(e.parentPath, e.name);
      const rel = path.relative(root, abs).split(path.sep).join('/');
      if (rel.split('/').some((p) => p === 'node_modules' || p.startsWith('.'))) return;
      const st = await stat(abs).catch(() => undefined);
      if (st) out.set(rel, `${st.mtimeMs}:${st.size}`);
    }),
  );
  return out;
}

async function loadGraph(dir: string, keep: boolean, code: boolean): Promise<ContentGraph> {
  const stamps = keep ? await stampsOf(dir) : new Map<string, string>();
  const prev = graphs.get(dir);
  let graph: ContentGraph;
  if (prev) {
    const changed = [...stamps].filter(([f, s]) => prev.stamps.get(f) !== s).map(([f]) => f);
    for (const f of prev.stamps.keys()) if (!stamps.has(f)) changed.push(f);
    graph = changed.length ? await updateFiles(prev.graph, changed) : prev.graph;
  } else {
    // The SDK picks parse workers itself ('auto') for big repositories;
    // unchanged files come from its on-disk parse cache.
    graph = await loadContent(dir, { parseCache: true, code });
  }
  if (keep) graphs.set(dir, { graph, stamps });
  return graph;
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
    return m.version === 1 ? m : undefined;
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
 * Copies the previous output as hard links (`cp -al`): thousands of pages
 * in milliseconds instead of seconds. Safe because every file we change in
 * the copy is first unlinked, so the live output never changes underneath.
 * Falls back to a real copy where hard links are not available.
 */
async function linkCopy(from: string, to: string): Promise<void> {
  const linked = await new Promise<boolean>((resolve) => {
    execFile('cp', ['-al', from, to], (error) => resolve(!error));
  });
  if (!linked) {
    await rm(to, { recursive: true, force: true });
    await cp(from, to, { recursive: true });
  }
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

async function runAstro(pages: Page[], config: SiteConfig, urls: Awaited<ReturnType<typeof loadClientAssets>>['urls'], outDir: string, cacheDir: string, verbose: boolean): Promise<void> {
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
  setLoaderFeed({ pages, config, assets: urls });
  try {
    const { build: astroBuild } = await import('astro');
    await astroBuild({
      root,
      outDir,
      base: config.base,
      ...(config.url ? { site: config.url } : {}),
      output: 'static',
      trailingSlash: 'ignore',
      cacheDir: path.join(cacheDir, 'astro'),
      logLevel: verbose ? 'info' : 'error',
      build: { format: 'directory', inlineStylesheets: 'never' },
      devToolbar: { enabled: false },
      telemetry: false,
      vite: { logLevel: verbose ? 'info' : 'silent', clearScreen: false, cacheDir: path.join(cacheDir, 'vite') },
    } as never);
  } catch (error) {
    throw SiteErrors.AstroFailed(error instanceof Error ? error.message : String(error));
  } finally {
    setLoaderFeed(undefined);
    await rm(root, { recursive: true, force: true });
  }
}
