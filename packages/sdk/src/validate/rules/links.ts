import type { Root } from 'mdast';
import type { Span } from '../../diagnostics/diagnostic.ts';
import type { Reporter } from '../../diagnostics/reporter.ts';
import { dirName } from '../../graph/discover.ts';
import type { ContentItem } from '../../graph/types.ts';
import { headingIds } from '../../render/heading-ids.ts';
import { resolvePosix } from '../../util/posix-path.ts';
import { checkAssetPath, safeDecode, safeDecodeComponent, SCHEME } from '../asset-path.ts';
import { normalizeName, spanOf, type DocumentRule, type GraphRule } from '../rule.ts';
import { closest, didYouMean } from '../suggest.ts';

/**
 * Links in a body: `lab:broken-link` for a relative link to a file or
 * folder that does not exist, `lab:broken-anchor` for an `#anchor` on this
 * page that no heading has. Links into other documents and root-relative
 * links are collected for {@link crossLinks}, which runs once the whole
 * graph is known.
 */
export const links: DocumentRule = {
  ids: ['lab:broken-link', 'lab:broken-anchor'],
  document: (ctx) => ({
    link(node) {
      const url = node.url;
      if (!node.position || !url || SCHEME.test(url) || url.startsWith('?') || url.startsWith('//')) return;
      const span = spanOf(node);
      const { doc, file } = ctx;
      const hashAt = url.indexOf('#');
      const anchor = hashAt === -1 ? undefined : safeDecodeComponent(url.slice(hashAt + 1)) || undefined;
      if (url.startsWith('#')) {
        if (anchor) checkAnchor(doc.parsed.mdast, anchor, span, file, ctx.r, 'this page');
        return;
      }
      if (url.startsWith('/')) {
        ctx.usage.links.push({ kind: 'root', target: url.split(/[?#]/)[0] ?? url, anchor, file, span });
        return;
      }
      const clean = safeDecode(url.split('#')[0]?.split('?')[0] ?? '');
      if (!clean) return;
      if (clean.startsWith('__static__/') || clean.startsWith('./__static__/')) return checkAssetPath(ctx, clean.replace(/^\.\//, ''), span);
      const target = resolvePosix(dirName(file), clean.replace(/\/$/, ''));
      if (target !== undefined && (ctx.files.has(target) || ctx.dirs.has(target))) {
        if (anchor) {
          const page = ctx.files.has(target) ? target : `${target}/index.md`;
          if (page === doc.file) checkAnchor(doc.parsed.mdast, anchor, span, file, ctx.r, 'this page');
          else if (page.endsWith('.md')) ctx.usage.links.push({ kind: 'doc', target: page, anchor, file, span });
        }
        return;
      }
      ctx.r.report('lab:broken-link', file, span, `Broken link: "${clean}" does not exist.`);
    },
  }),
};

/** URL collections of the site (and the platform) whose pages are content items. */
const PAGE_COLLECTIONS: Record<string, ContentItem['kind']> = { tutorials: 'tutorial', challenges: 'challenge', 'skill-paths': 'skill-path', courses: 'course' };

/**
 * Root-relative links (`/tutorials/getting-started#setup`) against the
 * graph's pages, and anchors into other documents against their headings.
 * A page that is not in this repository may exist on the platform, so that
 * is info, unless a local page has a near-identical name (likely a typo).
 */
export const crossLinks: GraphRule = {
  ids: ['lab:broken-link', 'lab:broken-anchor'],
  graph(graph, links, r) {
    if (!links.length) return;
    const pages = new Map<string, Map<string, ContentItem>>();
    for (const item of graph.items) {
      const collection = Object.keys(PAGE_COLLECTIONS).find((c) => PAGE_COLLECTIONS[c] === item.kind);
      if (!collection) continue;
      let m = pages.get(collection);
      if (!m) pages.set(collection, (m = new Map()));
      m.set(normalizeName(item.name), item);
    }
    // The same missing page is often linked from many documents (a platform tutorial): one search each.
    const nearest = new Map<string, string | undefined>();
    for (const link of links) {
      if (link.kind === 'doc') {
        const target = graph.documents.get(link.target);
        if (target && link.anchor) checkAnchor(target.parsed.mdast, link.anchor, link.span, link.file, r, `"${link.target}"`);
        continue;
      }
      const [collection, name, ...rest] = link.target.split('/').filter(Boolean);
      if (!collection || !name || !Object.hasOwn(PAGE_COLLECTIONS, collection)) continue;
      const kind = PAGE_COLLECTIONS[collection]!;
      const candidates = pages.get(collection) ?? new Map<string, ContentItem>();
      const wanted = normalizeName(name);
      const item = candidates.get(wanted);
      if (item) {
        const doc = item.documents[0];
        if (doc && link.anchor && rest.length === 0) checkAnchor(doc.parsed.mdast, link.anchor, link.span, link.file, r, `/${collection}/${item.name}`);
        continue;
      }
      const key = `${collection}/${wanted}`;
      if (!nearest.has(key)) nearest.set(key, closest(wanted, candidates.keys()));
      const near = nearest.get(key);
      r.report(
        'lab:broken-link',
        link.file,
        link.span,
        near
          ? `No ${kind} "${name}" in this repository: "${link.target}" leads nowhere. Did you mean "/${collection}/${candidates.get(near)?.name}"?`
          : `"${link.target}": no ${kind} "${name}" in this repository; it must exist on the platform.`,
        { severity: near ? 'warning' : 'info' },
      );
    }
  },
};

/**
 * `#anchor` against the heading ids the renderer gives `doc` (the same
 * slugger). A warning: the page still opens, it just does not scroll.
 */
function checkAnchor(mdast: Root, anchor: string, span: Span, file: string, r: Reporter, where: string): void {
  const ids = headingIds(mdast);
  if (ids.has(anchor)) return;
  r.report('lab:broken-anchor', file, span, `No heading with the id "#${anchor}" on ${where}.${didYouMean(anchor, ids)}`, {
    expected: ids.size ? [...ids].slice(0, 12).map((i) => '#' + i).join(', ') : 'a `##`-`####` heading',
    actual: '#' + anchor,
  });
}
