import { SiteErrors } from '../errors.ts';
import type { Page } from '../shell/page-model.ts';

/** One searchable page: its URL, title and plain text. */
export interface SearchRecord {
  url: string;
  title: string;
  content: string;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };

/** Plain text of rendered content HTML (tags dropped, entities decoded). */
export function textOf(html: string): string {
  return html
    .replace(/<(?:script|style)[\s\S]*?<\/(?:script|style)>/gi, ' ')
    .replace(/<(?:br|\/p|\/li|\/h\d|\/div|\/pre|\/tr)\b[^>]*>/gi, '\n')
    // Inline tags become nothing, others a space ("challenge</span><strong>Title" must not glue).
    .replace(/<\/?(?:a|em|strong|code|b|i|mark|small|kbd|sub|sup|del|s)\b[^>]*>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(?:lt|gt|amp|quot|#39|#x27);/g, (e) => ENTITIES[e] ?? e)
    .replace(/[ \t]+/g, ' ')
    .replace(/\s*\n\s*/g, '\n')
    .trim();
}

/**
 * What the search indexes: the content pages (items, path, course, lessons),
 * from their models. Indexing these texts directly, instead of having
 * Pagefind re-read and parse every built HTML file, is several times faster
 * on big sites and keeps headers and navigation out of the results.
 */
export function searchRecords(pages: Page[], base: string): SearchRecord[] {
  const out: SearchRecord[] = [];
  for (const p of pages) {
    const m = p.model;
    let parts: string[];
    switch (m.type) {
      case 'item':
        parts = [m.item.title, m.item.description ?? '', m.html, ...m.extras.map((x) => x.html)];
        break;
      case 'path':
        parts = [m.item.title, m.item.description ?? '', m.html, ...m.units.flatMap((u) => [u.title, u.html])];
        break;
      case 'course':
        parts = [m.item.title, m.item.description ?? '', m.html];
        break;
      case 'lesson':
        parts = [m.title, m.html];
        break;
      default:
        continue;
    }
    out.push({ url: base + p.route, title: p.title, content: parts.map(textOf).join('\n') });
  }
  return out;
}

/** Builds the Pagefind index into `<siteDir>/pagefind`. */
export async function indexSearch(siteDir: string, records: SearchRecord[]): Promise<{ pages: number }> {
  const pagefind = await import('pagefind');
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw SiteErrors.SearchIndexFailed(errors.join('; '));
  try {
    // Pagefind's service handles requests concurrently: send them in batches.
    for (let i = 0; i < records.length; i += 200) {
      const batch = await Promise.all(records.slice(i, i + 200).map((r) => index.addCustomRecord({ url: r.url, content: r.content, language: 'en', meta: { title: r.title } })));
      const failed = batch.flatMap((b) => b.errors);
      if (failed.length) throw SiteErrors.SearchIndexFailed(failed.join('; '));
    }
    const written = await index.writeFiles({ outputPath: `${siteDir}/pagefind` });
    if (written.errors.length) throw SiteErrors.SearchIndexFailed(written.errors.join('; '));
    return { pages: records.length };
  } finally {
    await pagefind.close();
  }
}
