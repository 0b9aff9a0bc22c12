import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { PreviewBackend, RenderedPage } from './preview-backend.ts';

export interface PageResult {
  status: 200 | 404 | 503;
  html: string;
  hash: string;
  /** True when this is the last good render, kept because the page is broken now. */
  stale: boolean;
  /** True when the page existed and its source file is gone. */
  removed: boolean;
  /** Absolute path of the content file the page comes from, if any. */
  sourceFile?: string;
  /** A render failure, with the file that caused it (shown in the overlay). */
  renderError?: { file: string; message: string };
}

/**
 * Renders pages and remembers each URL's last good render, so broken input
 * never blanks the preview: when a page's file exists but no longer renders
 * (bad YAML drops the item, a component throws), the last good HTML is
 * served and the overlay says why.
 */
export class PageStore {
  readonly #backend: PreviewBackend;
  readonly #lastGood = new Map<string, RenderedPage & { hash: string }>();
  /** URLs that had a page which is gone: a tab reloading on one still hears why. */
  readonly #removed = new Set<string>();

  constructor(backend: PreviewBackend) {
    this.#backend = backend;
  }

  async render(urlPath: string): Promise<PageResult> {
    let page: RenderedPage | undefined;
    let failure: unknown;
    try {
      page = await this.#backend.render(urlPath);
    } catch (error) {
      failure = error;
    }
    if (page) {
      const hash = digest(page.html);
      this.#lastGood.set(urlPath, { ...page, hash });
      this.#removed.delete(urlPath);
      return { status: 200, html: page.html, hash, stale: false, removed: false, ...(page.sourceFile ? { sourceFile: page.sourceFile } : {}) };
    }
    const previous = this.#lastGood.get(urlPath);
    const renderError =
      failure === undefined
        ? undefined
        : { file: previous?.sourceFile ?? urlPath, message: failure instanceof Error ? failure.message : String(failure) };
    if (previous && (failure !== undefined || (previous.sourceFile !== undefined && existsSync(previous.sourceFile)))) {
      return { status: 200, html: previous.html, hash: previous.hash, stale: true, removed: false, ...(previous.sourceFile ? { sourceFile: previous.sourceFile } : {}), ...(renderError ? { renderError } : {}) };
    }
    if (previous) {
      this.#lastGood.delete(urlPath);
      this.#removed.add(urlPath);
    }
    const html = notFoundPage(urlPath, renderError?.message);
    return { status: 404, html, hash: digest(html), stale: false, removed: this.#removed.has(urlPath), ...(renderError ? { renderError } : {}) };
  }
}

function digest(html: string): string {
  return createHash('sha1').update(html).digest('base64url');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function notFoundPage(urlPath: string, failure?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found · lab dev</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 10vh auto; padding: 0 1rem">
<main data-lab-not-found><h1>No page at <code>${escapeHtml(urlPath)}</code></h1>
${failure ? `<p>Rendering failed: <code>${escapeHtml(failure)}</code></p>` : '<p>It may have been renamed or deleted. This tab updates by itself if it appears.</p>'}
<p><a href="/">Back to the catalog</a></p></main></body></html>`;
}

/** What a tab shows while the first load runs; its live client swaps in the real page. */
export function loadingPage(elapsedMs: number): PageResult {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Loading · lab dev</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 10vh auto; padding: 0 1rem">
<main data-lab-loading><h1>Loading the content…</h1><p>lab dev is reading and rendering the folder (${Math.round(elapsedMs / 1000)} s so far). This page updates by itself.</p></main></body></html>`;
  return { status: 503, html, hash: 'loading', stale: false, removed: false };
}
