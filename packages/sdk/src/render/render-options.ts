import type { Diagnostic } from '../diagnostics/diagnostic.ts';

/**
 * Options and results of the SDK's one Markdown → HTML renderer.
 *
 * The renderer knows nothing about the site: everything that depends on
 * where the page lives (asset URLs, links to embedded items) comes in
 * through these callbacks, so `lab build`, `lab dev` and tests share it.
 */

/** What a `card` (or a `grid` item) points to, resolved by the caller. */
export interface CardTarget {
  /** `tutorial`, `challenge`, `skill-path`, `course`, `playground`... */
  kind: string;
  title: string;
  description?: string;
  /** Page URL of the embedded item; absent when it is not on this site. */
  url?: string;
  /** Cover image, with its size when known. */
  cover?: ResolvedAsset;
  difficulty?: string;
}

/** A reference written in content, e.g. `challenges.docker-101`. */
export interface CardReference {
  /** The front-matter map the reference points into: `challenges`, `tutorials`... */
  collection: string;
  /** The entry name inside that map. */
  name: string;
  /** The MDC prop it came from: `challenge`, `content` or `playground`. */
  prop: string;
}

/** A `__static__` asset as published by the caller. */
export interface ResolvedAsset {
  url: string;
  width?: number;
  height?: number;
}

export interface RenderOptions {
  /**
   * Maps a relative asset path written by the author (`__static__/x.png`)
   * to its published URL (and size, so images reserve their space).
   * Return `undefined` for unknown assets: the image is kept with its
   * original path and reported in `RenderedDocument.missingAssets`.
   */
  resolveAsset?: (src: string) => ResolvedAsset | undefined;
  /**
   * Maps a relative link to another content file, as written
   * (`../other/index.md#setup`, `unit-20.md`), to its page URL. Return
   * `undefined` to keep the link as written (not a page of this site).
   */
  resolveLink?: (href: string) => string | undefined;
  /** Resolves a card reference; `undefined` renders an "unavailable" card. */
  resolveCard?: (ref: CardReference) => CardTarget | undefined;
  /**
   * Preview builds (`lab dev`, `lab build --preview`) show a visible notice
   * for unknown components; production builds render their content quietly.
   */
  preview?: boolean;
  /**
   * TRUSTED CONTENT ONLY. Keeps raw HTML written in Markdown and skips the
   * sanitizer. Off by default: content HTML is sanitized (no scripts, event
   * handlers, `javascript:` URLs, or attributes injected through MDC props).
   */
  allowDangerousHtml?: boolean;
  /** The document's file, relative to the content root, for the render's diagnostics (default `''`). */
  file?: string;
}

export interface RenderedHeading {
  depth: number;
  id: string;
  text: string;
}

export interface RenderedTask {
  name: string;
  /** `quiz`: a `::quiz`, answered in the browser (its name is the progress key `quiz:<name>`). */
  component: 'simple-task' | 'user-input-task' | 'quiz';
}

export interface RenderedDocument {
  html: string;
  headings: RenderedHeading[];
  /** Tasks referenced by the body, in document order. */
  tasks: RenderedTask[];
  /** Asset paths the body uses (as written), resolved or not. */
  assets: string[];
  missingAssets: string[];
  /**
   * Problems met while rendering (unknown components, bad props, unresolved
   * cards), as catalogue diagnostics with the severity `lab validate` gives
   * the same problem. Each has a validation rule that finds it in the graph,
   * so `lab dev` and `lab build` report the graph's diagnostics, not these:
   * they are for callers that render without validating.
   */
  diagnostics: Diagnostic[];
  /** Which client islands the page needs: `tabs`, `slides`, `tasks`, `copy`. */
  islands: string[];
}
