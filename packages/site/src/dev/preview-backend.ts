/**
 * What the dev server needs from the content side: the SDK's graph (load,
 * incremental update, diagnostics, the one formatter) and the site's
 * renderer (one page's HTML). `site-preview-backend.ts` is the real one;
 * the seam exists so the server, the watcher and the overlay do not depend
 * on how the graph or the page templates are built.
 */
import type { Diagnostic } from '@labkit/sdk';

export interface BackendState {
  itemCount: number;
  /** The graph's diagnostics (the same findings as `lab validate`), plus `lab:render-failed` when rendering threw. */
  diagnostics: Diagnostic[];
  /** How many files the last call (re-)parsed. */
  parsedFiles: number;
}

export interface RenderedPage {
  /** A full HTML document. */
  html: string;
  /** The content file the page comes from, when it comes from one. */
  sourceFile?: string;
}

export interface PreviewBackend {
  /** Reads the whole content folder (start, and re-scan after a burst). */
  load(): Promise<BackendState>;
  /**
   * The first load's content half, when the backend can split it: the graph
   * loaded and checked (every diagnostic but render failures) and the item
   * count, before any page is built. `load()` then builds the pages. `lab
   * dev` reports the content when this resolves: rendering a thousand pages
   * (from the render cache) is not what the terminal's report waits for.
   */
  loadContent?(): Promise<BackendState>;
  /**
   * Brings the pages up to date with these absolute paths (removed files and
   * folders included). Diagnostics are brought up to date separately, by
   * {@link diagnose}, so the preview can be refreshed before the cross-file
   * rules have run: the page is what the author looks at.
   */
  update(paths: string[]): Promise<void>;
  /** Brings the diagnostics up to date with these paths (after {@link update}). */
  diagnose(paths: string[]): Promise<BackendState>;
  /** Renders the page at this URL path, or `undefined` if the site has none. */
  render(urlPath: string): Promise<RenderedPage | undefined>;
  /** The current diagnostics through the SDK's one formatter (with code frames). */
  formatDiagnostics(options: { color: boolean }): string;
  /** One diagnostic's code frame, plain text (the overlay shows it); none when the source is not readable. */
  frameOf?(diagnostic: Diagnostic): string | undefined;
  /** Files the pages link that are not content `__static__` paths (site CSS/JS, published asset names). */
  asset?(urlPath: string): Promise<{ body: Uint8Array | string; type: string } | undefined>;
}
