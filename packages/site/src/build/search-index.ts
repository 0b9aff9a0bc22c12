import { SiteErrors } from '../errors.ts';

/**
 * Builds the Pagefind index over the finished HTML (pages mark their body
 * with `data-pagefind-body`, so headers and navigation are not indexed).
 */
export async function indexSearch(siteDir: string): Promise<{ pages: number }> {
  const pagefind = await import('pagefind');
  const { index, errors } = await pagefind.createIndex({});
  if (!index) throw SiteErrors.SearchIndexFailed(errors.join('; '));
  try {
    const added = await index.addDirectory({ path: siteDir });
    if (added.errors.length) throw SiteErrors.SearchIndexFailed(added.errors.join('; '));
    const written = await index.writeFiles({ outputPath: `${siteDir}/pagefind` });
    if (written.errors.length) throw SiteErrors.SearchIndexFailed(written.errors.join('; '));
    return { pages: added.page_count };
  } finally {
    await pagefind.close();
  }
}
