import path from 'node:path';
import { loadSiteContent } from '../content/from-source.ts';
import { collectAssets, type SiteAsset } from '../content/assets.ts';
import type { SiteContent, SiteDiagnostic } from '../content/site-content.ts';
import { loadSiteConfig, type SiteUserConfig } from '../config/site-config.ts';
import { renderPage } from '../shell/render-page.ts';
import type { Page, SiteConfig } from '../shell/page-model.ts';
import { buildSitePages, type PageNotice } from './site-pages.ts';
import { RenderCache } from './render-cache.ts';
import { loadClientAssets, type ClientFile } from './client-assets.ts';

export interface SiteRendererPage {
  /** A full HTML document, byte-identical to what `lab build` writes. */
  html: string;
  /** The content file behind the page, if any. */
  sourceFile?: string;
}

export interface SiteRenderer {
  readonly config: SiteConfig;
  /** Re-reads the content (unchanged files come from the parse and render caches). */
  refresh(): Promise<{ diagnostics: SiteDiagnostic[]; notices: PageNotice[]; pages: number; ms: number }>;
  /** The page at a URL path (`/challenges/x/`), or `undefined`. */
  render(urlPath: string): SiteRendererPage | undefined;
  /** The site's CSS/JS (`/_lk/...`) or a hashed `__static__` asset (`/_assets/...`). */
  staticFile(urlPath: string): { file?: string; client?: ClientFile } | undefined;
  routes(): string[];
}

/**
 * Renders the site's pages one at a time, without Astro: the templates
 * are the ones the Astro routes call, and `lab build`'s `build()` feeds
 * Astro from the same `buildSitePages`. This is what `lab dev` serves.
 */
export async function createSiteRenderer(options: { dir: string; preview?: boolean; site?: SiteUserConfig; load?: (dir: string) => Promise<SiteContent> }): Promise<SiteRenderer> {
  const dir = path.resolve(options.dir);
  const config = await loadSiteConfig(dir, { ...options.site, preview: options.preview ?? true });
  const client = await loadClientAssets(config.base, false, config.brandFiles);
  const cache = new RenderCache();
  const load = options.load ?? loadSiteContent;
  let pages = new Map<string, Page>();
  let assets = new Map<string, SiteAsset>();

  const strip = (urlPath: string): string | undefined => {
    let p = decodeURIComponent(urlPath.split(/[?#]/)[0]!);
    if (!p.startsWith(config.base)) return undefined;
    p = p.slice(config.base.length);
    if (p.endsWith('index.html')) p = p.slice(0, -'index.html'.length);
    if (p !== '' && p !== '404.html' && !p.endsWith('/')) p += '/';
    return p;
  };

  const renderer: SiteRenderer = {
    config,
    async refresh() {
      const t = performance.now();
      const content = await load(dir);
      assets = await collectAssets(content.items, content.root);
      const built = await buildSitePages(content, assets, config, cache);
      pages = new Map(built.pages.map((p) => [p.route, p]));
      return { diagnostics: content.diagnostics, notices: built.notices, pages: pages.size, ms: Math.round(performance.now() - t) };
    },
    render(urlPath) {
      const route = strip(urlPath);
      const page = route === undefined ? undefined : pages.get(route);
      if (!page) return undefined;
      return { html: renderPage(page, config, client.urls), ...(page.sourceFile ? { sourceFile: page.sourceFile } : {}) };
    },
    staticFile(urlPath) {
      const rel = strip(urlPath)?.replace(/\/$/, '');
      if (!rel) return undefined;
      const c = client.files.find((f) => f.path === rel);
      if (c) return { client: c };
      for (const a of assets.values()) if (a.outPath === rel) return { file: a.source };
      return undefined;
    },
    routes: () => [...pages.keys()],
  };
  await renderer.refresh();
  return renderer;
}
