/**
 * Page models: everything a page template needs, as plain JSON.
 *
 * They are the seam between the content graph and the HTML: `lab build`
 * hands them to Astro through the content loader, `lab dev` renders them
 * directly, and both call the same templates (`render-page.ts`), so the two
 * cannot drift. Nothing here refers to files or the graph.
 */
import type { UiStrings } from './ui-strings.ts';

export interface SiteConfig {
  /** Shown in the header and page titles. */
  title: string;
  /** URL path the site is served under, with leading and trailing slash: `/` or `/labs/`. */
  base: string;
  /** Public origin (`https://labs.example.com`), for canonical links. */
  url?: string;
  /** Preview builds show unknown-component notices and a banner. */
  preview?: boolean;
  /** Playground server (`lab serve`) URL: item pages get the "Start playground" island. */
  runtimeUrl?: string;
  /** `<html lang>`. Default `en`. */
  lang?: string;
  /** The site's own words (UI_STRINGS with the config's overrides). */
  strings?: UiStrings;
  /** Header logo (published URL). */
  logo?: { url: string; alt: string; replacesTitle: boolean };
  /** The author's favicon; without it the site's default `favicon.svg`/`favicon.ico`. */
  favicon?: { url: string; type: string };
  /** Accent colours, validated CSS colours. */
  colors?: { accent?: string; accentDark?: string };
  /** Published URLs of the author's stylesheets, loaded after the site's. */
  customCss?: string[];
  /** Header links (default: the catalog's kind filters). */
  nav?: Array<{ label: string; href: string }>;
  footer?: { text?: string; links: Array<{ label: string; href: string }> };
  social?: Array<{ kind: string; href: string; label?: string }>;
  /** Files from the content folder the config publishes (logo, favicon, CSS). */
  brandFiles?: BrandFile[];
}

/** A file of the content folder published as is under the site (logo, favicon, custom CSS). */
export interface BrandFile {
  /** Absolute source path. */
  source: string;
  /** Path under the site root: `_lk/brand/logo.1a2b3c4d5e.svg`, `favicon.ico`. */
  path: string;
}

/** URLs of the site's own CSS and JS (content-hashed in builds). */
export interface ClientAssetUrls {
  css: string;
  islands: string;
  search: string;
  /** Pagefind's folder, e.g. `/pagefind/`. */
  pagefind: string;
  /** The playground island (only when a runtime URL is configured). */
  playground?: string;
}

export interface CardModel {
  id: string;
  kind: string;
  title: string;
  description?: string;
  url: string;
  cover?: { url: string; width?: number; height?: number };
  categories: string[];
  tags: string[];
  difficulty?: string;
  /** Progress keys: every task, and lessons for courses/paths. */
  tasks: string[];
  lessons: string[];
  updatedAt?: string;
}

export interface NavLesson {
  key: string;
  title: string;
  url: string;
  units: Array<{ key: string; title: string; url: string }>;
}

export interface NavModule {
  title: string;
  lessons: NavLesson[];
}

export interface Heading {
  depth: number;
  id: string;
  text: string;
}

export interface ItemHeader {
  id: string;
  kind: string;
  title: string;
  description?: string;
  url: string;
  categories: string[];
  tags: string[];
  difficulty?: string;
  cover?: { url: string; width?: number; height?: number };
  updatedAt?: string;
}

export interface Section {
  title: string;
  html: string;
  id: string;
}

export type PageModel =
  | { type: 'catalog'; items: CardModel[]; facets: { kinds: string[]; categories: string[]; difficulties: string[]; tags: string[] } }
  | { type: 'item'; item: ItemHeader; html: string; headings: Heading[]; tasks: string[]; extras: Section[] }
  | { type: 'path'; item: ItemHeader; html: string; units: Array<Section & { cards: CardModel[] }> }
  | { type: 'course'; item: ItemHeader; html: string; nav: NavModule[]; lessons: string[] }
  | {
      type: 'lesson';
      course: ItemHeader;
      nav: NavModule[];
      /** Progress key of the lesson this page belongs to. */
      lesson: string;
      /** Key of this exact page (lesson or unit). */
      current: string;
      title: string;
      html: string;
      headings: Heading[];
      tasks: string[];
      prev?: { title: string; url: string };
      next?: { title: string; url: string };
    }
  | { type: 'taxonomy'; taxonomy: 'tag' | 'category'; value: string; items: CardModel[] }
  | { type: 'search' }
  | { type: 'not-found' }
  /** An old address that moved (a merged single-unit lesson's unit URL). */
  | { type: 'redirect'; to: string };

export interface Page {
  /** URL path relative to the base, no leading slash, trailing slash for folders: `challenges/x/`, `` for home. */
  route: string;
  title: string;
  description?: string;
  /** The content file the page comes from (dev overlay, cache). */
  sourceFile?: string;
  /** Client islands the page needs. */
  islands: string[];
  model: PageModel;
}
