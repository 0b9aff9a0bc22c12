import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContentStore, FILE_START, diagnostic, formatDiagnostics, type ContentChange, type Diagnostic } from '@labkit/sdk';
import { siteContentFromGraph } from '../content/from-source.ts';
import { collectAssets, type SiteAsset } from '../content/assets.ts';
import type { SiteItem } from '../content/site-content.ts';
import { buildSitePages } from '../build/site-pages.ts';
import { RenderCache } from '../build/render-cache.ts';
import { renderPage } from '../shell/render-page.ts';
import { loadSiteConfig } from '../config/site-config.ts';
import type { ClientAssetUrls, Page, SiteConfig } from '../shell/page-model.ts';
import type { BackendState, PreviewBackend, RenderedPage } from './preview-backend.ts';
import { contentTypeFor } from './static-path.ts';

const CLIENT_DIR = new URL('../client/', import.meta.url);
/** The site's own CSS/JS, served from the package in dev (hashed and copied in builds). */
const CLIENT_ASSETS: ClientAssetUrls = {
  css: '/_lab/site/site.css',
  islands: '/_lab/site/islands.js',
  search: '/_lab/site/search.js',
  pagefind: '/_lab/pagefind/',
};

/**
 * `lab dev`'s content side over the site's own pipeline: the same content
 * model, page models (`buildSitePages`) and templates (`renderPage`) as
 * `lab build`, so the preview shows the built pages, not a look-alike.
 *
 * One graph: the pages, the diagnostics (and, through `lab dev`, the
 * playground catalog) all come from one `ContentStore`. A change goes to
 * the store's `updateFiles` (only changed files are read and parsed), the
 * site model is derived from the new graph, assets are re-read for the
 * items the change touched, and the page models are rebuilt from memory,
 * where the render cache (keyed by file digest and what each render looked
 * up) re-renders only the changed documents and the pages whose cards show
 * a changed title.
 */
export async function createSitePreviewBackend(contentDir: string, options: { store?: ContentStore } = {}): Promise<PreviewBackend> {
  const root = path.resolve(contentDir);
  // The process's one graph: given by `lab dev` (which shares it with the
  // playground catalog), else this backend's own.
  const store = options.store ?? new ContentStore();
  // The preview serves at `/`: brand file URLs (logo, favicon, custom CSS) are made for that base.
  const config: SiteConfig = { ...(await loadSiteConfig(root, { preview: true, base: '/' })), base: '/', preview: true };
  // Rendered documents persist between `lab dev` runs (keyed by digest), in
  // the OS temp folder: the author's repository is never written to.
  const cache = new RenderCache(path.join(tmpdir(), 'labkit-dev-cache', createHash('sha256').update(root).digest('hex').slice(0, 16), 'render'));
  const items = new Map<string, SiteItem>();
  const assets = new Map<string, SiteAsset>();
  let byRoute = new Map<string, Page>();
  let byOutPath = new Map<string, SiteAsset>();
  // Rendering that threw: the previous pages stay up, these say why.
  let failures: Diagnostic[] = [];
  let parsedFiles = 0;
  let loadedOnce = false;

  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  const under = (dir: string, p: string) => p === dir || p.startsWith(dir + path.sep);

  /**
   * The site model from the store's graph. An item that was listed and is
   * no longer while its index still exists (broken YAML, a mistyped kind)
   * keeps its last good model: its page and its catalog card stay while the
   * overlay and the terminal say what is wrong. Assets are re-read for the
   * items whose folder the change touched (`undefined`: all).
   */
  const derive = async (change: ContentChange | undefined): Promise<void> => {
    const previous = new Map(items);
    items.clear();
    for (const item of siteContentFromGraph(store.graph).items) items.set(item.dir, item);
    for (const [dir, item] of previous) if (!items.has(dir) && isFile(item.file)) items.set(dir, item);
    const touched = change ? [...items.values()].filter((item) => !previous.has(item.dir) || change.files.some((f) => under(item.dir, path.join(root, f)))) : [...items.values()];
    // Assets of touched items are read again; those of gone items are dropped.
    const touchedDirs = new Set(touched.map((item) => item.dir));
    const ownerDir = (src: string): string | undefined => {
      for (let d = path.dirname(src); under(root, d); d = path.dirname(d)) {
        if (items.has(d)) return d;
        if (d === root) break;
      }
      return undefined;
    };
    for (const src of [...assets.keys()]) {
      const dir = ownerDir(src);
      if (dir === undefined || touchedDirs.has(dir)) assets.delete(src);
    }
    for (const [src, asset] of await collectAssets(touched)) assets.set(src, asset);
    parsedFiles = change ? change.files.filter((f) => store.graph.documents.has(f) || change.previous?.documents.has(f)).length : store.graph.documents.size;
  };

  // Returns nothing: diagnostics (code frames for every one) are computed by
  // diagnose()/load(), after the page went out, never on the page's path.
  const rebuild = async (changed: string[] = []): Promise<void> => {
    const content = { root, items: [...items.values()].sort((a, b) => (a.dir < b.dir ? -1 : 1)), diagnostics: [] };
    let site: Awaited<ReturnType<typeof buildSitePages>>;
    try {
      site = await buildSitePages(content, assets, config, cache);
    } catch (error) {
      // The previous pages stay up; the failure is shown with the files that caused it.
      const message = `Rendering failed: ${error instanceof Error ? error.message : String(error)}`;
      failures = (changed.length ? changed : [root]).map((p) => diagnostic('lab:render-failed', rel(p) || '.', FILE_START, message));
      return;
    }
    failures = [];
    byRoute = new Map(site.pages.map((p) => [routeKey(p.route), p]));
    byOutPath = new Map([...assets.values()].map((a) => [`/${a.outPath}`, a]));
    return;
  };

  // The graph's diagnostics only: the renderer's findings each have a
  // validation rule, so `lab dev` reports what `lab validate` reports.
  const allDiagnostics = (): Diagnostic[] => [...failures, ...(store.loaded ? store.graph.diagnostics : [])];

  const sourceReader = () => {
    const seen = new Map<string, string | undefined>();
    return (file: string) => {
      if (!seen.has(file)) {
        let text: string | undefined;
        try {
          text = readFileSync(path.join(root, file), 'utf8');
        } catch {
          text = undefined;
        }
        seen.set(file, text);
      }
      return seen.get(file);
    };
  };

  const state = (): BackendState => {
    return { itemCount: items.size, parsedFiles, diagnostics: allDiagnostics() };
  };

  // Set by loadContent(): the graph and the site model are current, load() builds the pages.
  let contentOnly = false;
  const loadGraph = async (): Promise<ContentChange | undefined> => {
    // First call: the store given already loaded, else load it (the parse
    // cache and worker threads make a cold start fast). Later calls (a
    // burst the watcher could not follow): a re-scan, not a second load.
    let change: ContentChange | undefined;
    if (!store.loaded) await store.load(root, { workers: 'auto', parseCache: true });
    else if (loadedOnce) change = await store.rescan();
    loadedOnce = true;
    await derive(change);
    return change;
  };

  return {
    async loadContent() {
      await loadGraph();
      contentOnly = true;
      return state();
    },
    async load() {
      const change = contentOnly ? undefined : await loadGraph();
      contentOnly = false;
      await rebuild();
      // Drop cached renders no page uses any more, so the cache does not grow run after run.
      if (!change) await cache.prune();
      return state();
    },
    async diagnose() {
      // The graph's rules ran in update(): the one graph has its diagnostics.
      return state();
    },
    async update(paths) {
      const change = await store.updateFiles(paths);
      await derive(change);
      await rebuild(paths);
    },
    async render(urlPath): Promise<RenderedPage | undefined> {
      const page = byRoute.get(urlPath);
      if (!page || page.route === '404.html') return undefined;
      return { html: renderPage(page, config, CLIENT_ASSETS), ...(page.sourceFile ? { sourceFile: page.sourceFile } : {}) };
    },
    formatDiagnostics({ color }) {
      const all = allDiagnostics();
      return all.length ? formatDiagnostics(all, { readSource: sourceReader(), color }) : '';
    },
    frameOf(d) {
      return codeFrameOf(d, sourceReader());
    },
    async asset(urlPath) {
      if (urlPath.startsWith('/_lab/site/')) {
        const name = urlPath.slice('/_lab/site/'.length);
        if (!/^[\w-]+\.(css|js)$/.test(name)) return undefined;
        const body = await readFile(new URL(name, CLIENT_DIR)).catch(() => undefined);
        return body && { body, type: name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8' };
      }
      // lab.config.ts's logo, favicon and custom CSS under the names the pages use,
      // and the default favicons (what `lab build` writes): only these names.
      const brand = config.brandFiles?.find((b) => `/${b.path}` === urlPath);
      if (brand) {
        const body = await readFile(brand.source).catch(() => undefined);
        return body && { body, type: contentTypeFor(brand.source) };
      }
      if (urlPath === '/favicon.svg' || urlPath === '/favicon.ico') {
        const body = await readFile(new URL(urlPath.slice(1), CLIENT_DIR)).catch(() => undefined);
        return body && { body, type: urlPath.endsWith('.svg') ? 'image/svg+xml' : 'image/x-icon' };
      }
      // Content assets under their published (hashed) names: only files the model knows.
      const asset = byOutPath.get(urlPath);
      if (!asset) return undefined;
      const body = await readFile(asset.source).catch(() => undefined);
      return body && { body, type: contentTypeFor(asset.source) };
    },
  };
}

function routeKey(route: string): string {
  return '/' + route.replace(/\/$/, '');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** One diagnostic's code frame (and expected/hint lines) as the one formatter prints them, plain text. */
export function codeFrameOf(d: Diagnostic, readSource: (file: string) => string | undefined): string | undefined {
  // The formatter's first line is the location and message, the last the
  // summary; the code frame is between.
  const framed = formatDiagnostics([d], { readSource, color: false }).trimEnd().split('\n');
  return framed.slice(1, -1).join('\n').trim() || undefined;
}
