/**
 * Revision of what the Markdown pipeline (markdown.ts) does to the tree
 * beyond its plugins' versions (which plugins, in which order, the fix-ups).
 * Bump it on any change that alters a parse: it keys the on-disk parse cache
 * and `lab validate --cache`'s stored results, so stale trees are dropped.
 * 2: remark-gfm added. Its own file so the cache keys can be taken without
 * loading the pipeline.
 */
export const PARSE_REVISION = 2;
