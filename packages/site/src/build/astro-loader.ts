import type { Page, SiteConfig, ClientAssetUrls } from '../shell/page-model.ts';

/** What `build()` hands the loader for one Astro run. */
export interface LoaderFeed {
  pages: Page[];
  config: SiteConfig;
  assets: ClientAssetUrls;
}

const FEED = Symbol.for('labkit.site.feed');

export function setLoaderFeed(feed: LoaderFeed | undefined): void {
  (globalThis as Record<symbol, unknown>)[FEED] = feed;
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
      for (const page of feed.pages) {
        const data = { page };
        store.set({ id: page.route || 'index', data, digest: generateDigest(JSON.stringify(data)) });
      }
    },
  };
}
