import type { Root } from 'mdast';
import type { Diagnostic } from '@labkit/sdk';

/**
 * The slice of the content graph the site needs: listed items with their
 * parsed bodies (mdast with positions, parsed once by the pipeline) and the
 * structure of paths and courses. `from-source.ts` builds it; the page
 * models and the Astro loader only read it.
 */
export type ItemKind = 'tutorial' | 'challenge' | 'skill-path' | 'course';

export interface SiteDoc {
  /** Absolute path of the source file. */
  file: string;
  /** Digest of the file's text: the render cache key. */
  digest: string;
  slug: string;
  title: string;
  description?: string;
  frontMatter: Record<string, unknown>;
  /** The mdast, with positions. A function: a cached render never needs it. */
  body: () => Root;
}

export interface SiteLesson extends SiteDoc {
  /** More pages of the lesson, in order. */
  units: SiteDoc[];
}

export interface SiteModule {
  slug: string;
  title: string;
  description?: string;
  lessons: SiteLesson[];
}

export interface SiteItem extends SiteDoc {
  kind: ItemKind;
  /** Absolute folder of the item (its `__static__` lives here). */
  dir: string;
  categories: string[];
  tags: string[];
  /** `difficulty` or the first of `difficulties`. */
  difficulty?: string;
  /** Cover path as written (`__static__/cover.png`). */
  cover?: string;
  createdAt?: string;
  updatedAt?: string;
  /** Names of the front matter tasks. */
  taskNames: string[];
  /** Skill path units, in order. */
  units: SiteDoc[];
  /** Course modules (a flat course has one module with an empty slug). */
  modules: SiteModule[];
  /** Extra pages shown after the main one (challenge `solution.md`). */
  extras: SiteDoc[];
}

export interface SiteContent {
  root: string;
  items: SiteItem[];
  /** The graph's diagnostics: the SDK's one `Diagnostic` shape. */
  diagnostics: Diagnostic[];
}
