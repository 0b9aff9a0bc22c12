import type { Page, SiteConfig, ClientAssetUrls } from '../shell/page-model.ts';

/** What `build()` hands the loader for one Astro run. */
export interface LoaderFeed {
  /** The page models, or a source that reads each one when its route is built. */
  pages: Page[] | PageSource;
  config: SiteConfig;
  assets: ClientAssetUrls;
}

/**
 * Pages kept out of memory (the Astro child's spool): each page's identity
 * up front, its model read when its route renders.
 */
export interface PageSource {
  list: Array<{ route: string; title: string; digest: string }>;
  get(route: string): Page | undefined;
}

const FEED = Symbol.for('labkit.site.feed');

export function setLoaderFeed(feed: LoaderFeed | undefined): void {
  (globalThis as Record<symbol, unknown>)[FEED] = feed;
}

const indexes = new WeakMap<LoaderFeed, Map<string, Page>>(); // for a feed of Page[]

// The errors below are not in SiteErrors on purpose: they only fire when
// the Astro app is run by hand instead of through build() (a bug, not a user
// mistake), and this module runs in Astro's child process, which must not
// load the SDK (its pipeline, shiki, zod) just to build an error object.

/** The page model of a route, for the Astro route that renders it. */
export function feedPage(route: string): Page {
  const feed = (globalThis as Record<symbol, unknown>)[FEED] as LoaderFeed | undefined;
  if (!feed) throw new Error('labkit: no content fed; run the site through build() from @labkit/site');
  if (!Array.isArray(feed.pages)) {
    const page = feed.pages.get(route);
    if (!page) throw new Error(`labkit: no page model for route "${route}"`);
    return page;
  }
  let byRoute = indexes.get(feed);
  if (!byRoute) indexes.set(feed, (byRoute = new Map(feed.pages.map((p) => [p.route, p]))));
  const page = byRoute.get(route);
  if (!page) throw new Error(`labkit: no page model for route "${route}"`);
  return page;
}

interface Store {
  clear(): void;
  set(entry: { id: string; data: Record<string, unknown>; digest?: string }): boolean;
}
interface Context {
  store: Store;
  generateDigest(data: Record<string, unknown> | string): string;
}

/**
 * The custom Astro content loader. Astro loads `content.config.ts` in the
 * same process as `build()`, so the already rendered page models are
 * passed through a process-global slot rather than re-read or re-parsed.
 */
export function labkitLoader(collection: 'pages' | 'site') {
  return {
    name: `labkit-${collection}`,
    load: async ({ store, generateDigest }: Context): Promise<void> => {
      const feed = (globalThis as Record<symbol, unknown>)[FEED] as LoaderFeed | undefined;
      if (!feed) throw new Error('labkitLoader: no content fed; run the site through build() from @labkit/site');
      store.clear();
      if (collection === 'site') {
        store.set({ id: 'site', data: { config: feed.config, assets: feed.assets } });
        return;
      }
      // Entries carry the page's identity; the page model (with its HTML,
      // megabytes over a big site) stays in this process and is handed to
      // the route by `feedPage`. Putting it in Astro's data store made Astro
      // serialize and re-import the whole site as one JSON module: the
      // slowest part of a 3,000-page build and most of its memory.
      if (!Array.isArray(feed.pages)) {
        for (const { route, title, digest } of feed.pages.list) store.set({ id: route || 'index', data: { route, title, digest }, digest });
        return;
      }
      for (const page of feed.pages) {
        const data = { route: page.route, title: page.title, digest: generateDigest(JSON.stringify(page.model)) };
        store.set({ id: page.route || 'index', data, digest: data.digest });
      }
    },
  };
}
