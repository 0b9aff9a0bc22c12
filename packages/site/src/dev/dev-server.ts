import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream, readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { svgResponseHeaders } from '@labkit/sdk';
import { EventStream } from './event-stream.ts';
import type { DevRequestGuard, Refusal } from './request-guard.ts';
import { contentTypeFor, resolveStaticPath } from './static-path.ts';
import type { PageResult } from './page-store.ts';
import { FILE_START, diagnostic, type Diagnostic } from '@labkit/sdk';
import type { Duplex } from 'node:stream';

/**
 * Extra routes mounted into the preview (the playground runtime of `lab dev`):
 * it sees every request (any method) and upgrade first, and may rewrite pages.
 */
export interface DevMount {
  /** Handles the request and resolves true, or resolves false to leave it to the preview. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Takes a WebSocket upgrade (true), or leaves it (false: the socket is closed). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Rewrites a page's HTML before it is served or pushed (adds the playground island). */
  transformPage?(html: string): Promise<string>;
  /**
   * Paths whose requests the mount authenticates itself (the playground's web
   * tabs: a guest's pages cannot carry the preview's secret). The guard still
   * checks Host and Origin there.
   */
  authenticatesItself?(pathname: string): boolean;
}

/** Unsent updates one event-stream tab may hold before it is cut. */
export const EVENT_STREAM_BACKLOG_BYTES = 4 << 20;

const CLIENT_JS = readFileSync(new URL('./client/dev-client.js', import.meta.url), 'utf8');

export interface OpenPage {
  path: string;
  /** Hash of the HTML this tab shows now. */
  hash: string;
}

export interface DevServerHooks {
  contentDir: string;
  version(): number;
  errors(): Diagnostic[];
  /** The code frame of a diagnostic, plain text, for the overlay (none: no frame). */
  frame?(diagnostic: Diagnostic): string | undefined;
  render(urlPath: string): Promise<PageResult>;
  /** Site assets outside the content folder (CSS, island scripts), if the renderer has any. */
  asset?(urlPath: string): Promise<{ body: Uint8Array | string; type: string } | undefined>;
  mount?: DevMount;
  /** Unexpected failures while serving a request (the caller only gets a bare 500). */
  onError?(error: unknown): void;
  /** Who may call the preview (Host, Origin, the per-run secret); none: anyone. */
  guard?: DevRequestGuard;
}

/** The request target as a URL, or undefined when it is none (`http://[/`). */
export function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** Normalises a request path to the key pages are stored under. */
export function pageKey(urlPath: string): string {
  let p: string;
  try {
    p = decodeURI(urlPath);
  } catch {
    p = urlPath;
  }
  p = p.replace(/\/index\.html$/, '/').replace(/\.html$/, '');
  return p.replace(/\/+$/, '') || '/';
}

/**
 * The preview's HTTP side: pages (with the live client injected), content
 * `__static__` assets, the client script and the event stream. Tabs say
 * which page they show when they connect, so after an update only the open
 * pages are re-rendered and each tab gets its new HTML pushed (no refetch).
 */
export class DevServer {
  readonly server: Server;
  readonly #hooks: DevServerHooks;
  readonly #events = new EventStream();
  readonly #tabs = new Map<ServerResponse, OpenPage>();

  constructor(hooks: DevServerHooks) {
    this.#hooks = hooks;
    const mount = hooks.mount;
    const guard = hooks.guard;
    this.server = createServer((req, res) => {
      const url = parseTarget(req.url);
      if (!url) {
        res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('lab dev: bad request (the path is not a valid URL)');
        return;
      }
      const refusal = guard?.check(req, url, false, mount?.authenticatesItself?.(url.pathname) === true);
      if (refusal) {
        res.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(refusal.message);
        return;
      }
      (mount ? mount.handle(req, res) : Promise.resolve(false)).then((taken) => (taken ? undefined : this.#handle(req, res))).catch((error: unknown) => {
        // The details are for the author's terminal, not for whoever sent the request.
        hooks.onError?.(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('lab dev: internal error (details in the terminal)');
      });
    });
    if (mount) this.server.on('upgrade', (req, socket, head) => {
      // Node hands an upgrade socket over with no error listener: a reset would kill lab dev.
      socket.on('error', () => socket.destroy());
      try {
        const url = parseTarget(req.url);
        const refusal: Refusal | undefined = url ? guard?.check(req, url, true, mount.authenticatesItself?.(url.pathname) === true) : { status: 400, message: 'bad request' };
        if (refusal) socket.end(`HTTP/1.1 ${refusal.status} ${refusal.status === 400 ? 'Bad Request' : 'Forbidden'}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(refusal.message)}\r\n\r\n${refusal.message}`);
        else if (!mount.upgrade(req, socket, head)) socket.destroy();
      } catch (error) {
        hooks.onError?.(error);
        socket.destroy();
      }
    });
    // Keep-alive sockets of the event stream must not hold close() forever.
    this.server.keepAliveTimeout = 2_000;
  }

  get openPages(): OpenPage[] {
    return [...this.#tabs.values()];
  }

  /** Pushes the new state to every tab; `pages` holds the fresh render of each open path. */
  async pushToTabs(pages: Map<string, PageResult>): Promise<void> {
    const pageHtml: Record<string, string> = {};
    if (this.#hooks.mount?.transformPage) for (const [key, page] of pages) pageHtml[key] = await this.#hooks.mount.transformPage(page.html);
    const version = this.#hooks.version();
    for (const [res, tab] of this.#tabs) {
      const page = pages.get(tab.path);
      this.#sendUpdate(res, tab, page, version, page && (pageHtml[tab.path] ?? page.html));
    }
  }

  #sendUpdate(res: ServerResponse, tab: OpenPage, page: PageResult | undefined, version: number, html: string | undefined): void {
    // A tab that does not read its event stream (a stopped debugger, a dead
    // peer) would keep every page pushed to it in memory: cut it; a live
    // EventSource reconnects and catches up with the current page.
    if (res.writableLength > EVENT_STREAM_BACKLOG_BYTES) {
      this.#tabs.delete(res);
      res.destroy();
      return;
    }
    const payload: Record<string, unknown> = { version, ...this.#errorsFor(page) };
    if (page) {
      payload['removed'] = page.removed;
      if (page.hash !== tab.hash && html !== undefined) {
        payload['html'] = inject(html, version, this.#hooks.guard?.secret);
        tab.hash = page.hash;
      }
    }
    res.write(`event: update\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  async close(): Promise<void> {
    for (const res of this.#tabs.keys()) res.end();
    this.#tabs.clear();
    this.#events.closeAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * The overlay covers a page only for errors in that page's own item folder
   * (the page the author is fixing); errors in other files are listed behind
   * a small corner badge, so a broken file elsewhere never hides this page.
   */
  #errorsFor(page: PageResult | undefined): { errors: OverlayDiagnostic[]; elsewhere: OverlayDiagnostic[] } {
    const all = [...this.#hooks.errors().filter((d) => d.severity === 'error'), ...renderErrorOf(page, this.#hooks.contentDir)].map((d) => {
      const frame = this.#hooks.frame?.(d);
      return frame ? { ...d, frame } : d;
    });
    if (!page?.sourceFile) return { errors: [], elsewhere: all };
    const folder = path.relative(this.#hooks.contentDir, path.dirname(page.sourceFile)).split(path.sep).join('/');
    const mine = (d: Diagnostic) => folder === '' || d.file === folder || d.file.startsWith(`${folder}/`);
    return { errors: all.filter(mine), elsewhere: all.filter((d) => !mine(d)) };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseTarget(req.url)!;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/__lab/client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }).end(CLIENT_JS);
      return;
    }
    if (url.pathname === '/__lab/events') {
      const key = pageKey(url.searchParams.get('path') ?? '/');
      const seen = Number(url.searchParams.get('v') ?? '-1');
      // Read the version before rendering: an update that lands while this
      // connection is being set up is then caught up below, not lost.
      const version = this.#hooks.version();
      const page = await this.#hooks.render(key);
      const tab: OpenPage = { path: key, hash: page.hash };
      const hello: Record<string, unknown> = { version, ...this.#errorsFor(page), removed: page.removed };
      // The page changed between its load and this connection: catch up now.
      if (seen !== version) hello['html'] = inject(await this.#transform(page.html), version, this.#hooks.guard?.secret);
      this.#events.attach(req, res, hello);
      this.#tabs.set(res, tab);
      req.on('close', () => this.#tabs.delete(res));
      if (this.#hooks.version() !== version) {
        const fresh = await this.#hooks.render(key);
        if (this.#tabs.has(res)) this.#sendUpdate(res, tab, fresh, this.#hooks.version(), await this.#transform(fresh.html));
      }
      return;
    }
    if (url.pathname.split('/').includes('__static__')) {
      const file = await resolveStaticPath(this.#hooks.contentDir, url.pathname);
      if (!file) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
        return;
      }
      const info = await stat(file);
      res.writeHead(200, { 'content-type': contentTypeFor(file), 'content-length': info.size, 'cache-control': 'no-cache', ...svgResponseHeaders(file) });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return;
    }
    const asset = path.extname(url.pathname) && !url.pathname.endsWith('.html') ? await this.#hooks.asset?.(url.pathname) : undefined;
    if (asset) {
      res.writeHead(200, { 'content-type': asset.type, 'cache-control': 'no-cache', ...svgResponseHeaders(url.pathname) }).end(asset.body);
      return;
    }
    const page = await this.#hooks.render(pageKey(url.pathname));
    res.writeHead(page.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : inject(await this.#transform(page.html), this.#hooks.version(), this.#hooks.guard?.secret));
  }

  #transform(html: string): Promise<string> {
    return this.#hooks.mount?.transformPage ? this.#hooks.mount.transformPage(html) : Promise.resolve(html);
  }
}

/** What the overlay gets: the one Diagnostic shape, plus its code frame as plain text. */
type OverlayDiagnostic = Diagnostic & { frame?: string };

function renderErrorOf(page: PageResult | undefined, contentDir: string): Diagnostic[] {
  if (!page?.renderError) return [];
  const file = path.isAbsolute(page.renderError.file) ? path.relative(contentDir, page.renderError.file).split(path.sep).join('/') : page.renderError.file;
  return [diagnostic('lab:render-failed', file, FILE_START, page.renderError.message)];
}

/**
 * Adds the live client at the end of the body (or the document). The tag
 * carries the run's secret, which the page's own scripts (the playground
 * island) send back; only a page of the preview can read it.
 */
export function inject(html: string, version: number, secret?: string): string {
  const tag = `<script src="/__lab/client.js" data-lab-version="${version}"${secret ? ` data-lab-secret="${secret}"` : ''}></script>`;
  const at = html.lastIndexOf('</body>');
  return at === -1 ? html + tag : html.slice(0, at) + tag + html.slice(at);
}
