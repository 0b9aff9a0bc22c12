// The page templates alone (no Node APIs): imported by the Astro routes.
export { renderPage } from './render-page.ts';
export type { Page, PageModel, SiteConfig, ClientAssetUrls, CardModel, ItemHeader, NavModule, NavLesson, Heading, Section } from './page-model.ts';
