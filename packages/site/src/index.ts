// @labkit/site: the learner site. Named re-exports only.
export { build } from './build/build-site.ts';
export type { BuildOptions, BuildResult, BuildProgress } from './build/build-site.ts';
export { watchBuild } from './build/watch-build.ts';
export type { WatchBuildOptions, BuildWatcher } from './build/watch-build.ts';
export { defineConfig, loadSiteConfig } from './config/site-config.ts';
export { siteUserConfigSchema } from './config/site-config-schema.ts';
export type { SiteUserConfig } from './config/site-config.ts';
export { SiteErrors } from './errors.ts';
// For `lab dev`: the same pages without Astro (see docs/site.md).
export { renderPage } from './shell/render-page.ts';
export type { Page, PageModel, SiteConfig, ClientAssetUrls } from './shell/page-model.ts';
export { loadClientAssets } from './build/client-assets.ts';
export type { ClientFile } from './build/client-assets.ts';
export { buildSitePages } from './build/site-pages.ts';
export { RenderCache } from './build/render-cache.ts';
export { siteContentFromGraph } from './content/from-source.ts';
export { collectAssets } from './content/assets.ts';
export type { SiteContent, SiteItem, SiteDoc } from './content/site-content.ts';
