// The site's only content source: the Labkit content loader, fed by
// `build()` with page models rendered from the SDK's graph. Astro's own
// Markdown processor never sees the content (it would garble MDC).
import { defineCollection } from 'astro:content';
import { labkitLoader } from '@labkit/site/astro-loader';

export const collections = {
  pages: defineCollection({ loader: labkitLoader('pages') }),
  site: defineCollection({ loader: labkitLoader('site') }),
};
