import path from 'node:path';
import type { CardReference, CardTarget, ResolvedAsset } from '@labkit/sdk';

/**
 * Everything the renderer may look up, as plain data, so the same lookups
 * run on the main thread and in render workers (functions cannot cross a
 * thread boundary, tables can).
 */
export interface ResolverTable {
  base: string;
  /** Absolute asset source path → published asset. */
  assets: Map<string, { outPath: string; width?: number; height?: number }>;
  /** `<kind>:<slug>` → card target. */
  cards: Map<string, CardTarget>;
  /** Absolute source file of a document → its page URL (a skill path unit: the path's page with `#<unit>`). */
  pages?: Map<string, string>;
}

const COLLECTION_KIND: Record<string, string> = { tutorials: 'tutorial', challenges: 'challenge', 'skill-paths': 'skill-path', courses: 'course', playgrounds: 'playground', roadmaps: 'roadmap' };

export function resolveAssetIn(table: ResolverTable, docFile: string, src: string | undefined): (ResolvedAsset & { source: string }) | undefined {
  if (!src || /^[a-z][a-z0-9+.-]*:/i.test(src) || src.startsWith('/')) return undefined;
  const source = path.resolve(path.dirname(docFile), src.replace(/^\.\//, ''));
  const a = table.assets.get(source);
  if (!a) return undefined;
  return { source, url: table.base + a.outPath, ...(a.width ? { width: a.width, height: a.height } : {}) };
}

export function resolveCardIn(table: ResolverTable, ref: CardReference): CardTarget | undefined {
  const kind = COLLECTION_KIND[ref.collection] ?? (ref.prop === 'content' ? undefined : ref.prop);
  if (!kind) return undefined;
  const hit = table.cards.get(`${kind}:${ref.name}`) ?? table.cards.get(`${kind}:${ref.name.replace(/_/g, '-')}`);
  if (!hit && kind === 'playground') return { kind, title: ref.name };
  return hit;
}

/**
 * A relative link written in `docFile` (`../other/index.md#setup`,
 * `unit-20.md`, `../other/`) → the page URL of the document it names, keeping
 * its `#anchor`; `undefined` when it names no page of the site.
 */
export function resolveLinkIn(table: ResolverTable, docFile: string, href: string): string | undefined {
  if (!table.pages?.size) return undefined;
  const m = /^([^?#]*)(\?[^#]*)?(#.*)?$/.exec(href);
  if (!m || !m[1]) return undefined;
  let rel = m[1];
  try {
    rel = decodeURI(rel);
  } catch {
    // keep it as written
  }
  const target = path.resolve(path.dirname(docFile), rel);
  const url = table.pages.get(target) ?? table.pages.get(path.join(target, 'index.md'));
  if (!url) return undefined;
  const hash = m[3];
  // A unit's URL already ends in its own `#<unit>`; the link's anchor is more precise.
  return hash ? url.replace(/#.*$/, '') + hash : url;
}

/** The renderer options for one document over a table. */
export function resolversFor(table: ResolverTable, docFile: string) {
  return {
    resolveAsset: (src: string): ResolvedAsset | undefined => {
      const a = resolveAssetIn(table, docFile, src);
      return a ? { url: a.url, ...(a.width ? { width: a.width, height: a.height } : {}) } : undefined;
    },
    resolveCard: (ref: CardReference) => resolveCardIn(table, ref),
    resolveLink: (href: string) => resolveLinkIn(table, docFile, href),
  };
}
