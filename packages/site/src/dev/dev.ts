import { stat } from 'node:fs/promises';
import type { ContentStore } from '@labkit/sdk';
import path from 'node:path';
import { watchContent, type FolderWatcher } from './content-watcher.ts';
import type { ChangeBatch } from './change-batcher.ts';
import { DevServer, type DevMount } from './dev-server.ts';
import { DevRequestGuard } from './request-guard.ts';
import { SiteErrors } from '../errors.ts';
import { DEFAULT_DEV_PORT, listenOnFreePort } from './listen.ts';
import { PageStore, loadingPage, type PageResult } from './page-store.ts';
import { FILE_START, diagnostic, type Diagnostic } from '@labkit/sdk';
import type { BackendState, PreviewBackend } from './preview-backend.ts';
import { TerminalReporter, type ReporterStream, type UpdateSummary } from './terminal-reporter.ts';

export interface DevOptions {
  /** The content folder. */
  dir: string;
  /** Interface to listen on; `127.0.0.1` unless exposing on purpose. */
  host?: string;
  /** First port to try; the next free one is taken when busy. */
  port?: number;
  /** Where the terminal view goes; `false` for none (tests, benchmarks). */
  output?: ReporterStream | false;
  /** Watcher coalescing window, ms (default 15). */
  quietMs?: number;
  /** Batches with more changes than this re-scan the folder (default 200). */
  burstThreshold?: number;
  /** The content side; defaults to the SDK graph + the site's page renderer. */
  backend?: PreviewBackend;
  /**
   * The process's one content graph (loaded here if it is not yet): the
   * default backend updates it on every change, and others (the playground
   * catalog) read it. Default: a store of its own.
   */
  store?: ContentStore;
  /** Extra routes (the playground runtime: see `playgroundDevMount`). */
  mount?: DevMount;
  /** Host names besides loopback and `host` that the preview answers to (the `Host` header check). */
  allowedHosts?: string[];
}

export interface DevUpdate {
  /** Increments on every applied update (0 = the initial load). */
  version: number;
  changedFiles: string[];
  rescan: boolean;
  /** `performance.now()` (this process) of the first file event of the batch. */
  firstEventAt: number;
  /** From the first file event to every open tab having been sent its new page, ms. */
  pagesMs: number;
  /** From the first file event to diagnostics, overlay and terminal being current, ms. */
  durationMs: number;
  state: BackendState;
}

export interface DevHandle {
  url: string;
  /** This run's secret: pages carry it, and starting machines or opening a WebSocket needs it. */
  secret: string;
  port: number;
  host: string;
  contentDir: string;
  /** The current content state (item count, diagnostics). */
  readonly state: BackendState;
  /** Resolves with the next applied update (call before making the change). */
  nextUpdate(options?: { timeoutMs?: number }): Promise<DevUpdate>;
  close(): Promise<void>;
}

/**
 * `lab dev` as a function: loads the graph once, watches the folder, applies
 * each coalesced batch incrementally, refreshes the terminal, and pushes new
 * HTML to the open preview tabs.
 */
export async function dev(options: DevOptions): Promise<DevHandle> {
  const contentDir = path.resolve(options.dir);
  const info = await stat(contentDir).catch(() => undefined);
  if (!info?.isDirectory()) throw SiteErrors.ContentDirMissing(options.dir);
  const host = options.host ?? '127.0.0.1';
  const backend = options.backend ?? (await defaultBackend(contentDir, options.store));
  const reporter = options.output === false ? undefined : new TerminalReporter(options.output ?? process.stdout);

  let version = 0;
  const t0 = performance.now();
  // The server answers at once: until the first load is done, every page is
  // a "loading" page whose live client is pushed the real one when it is.
  let state: BackendState = { itemCount: 0, diagnostics: [], parsedFiles: 0 };
  let loaded = false;
  const pages = new PageStore(backend);
  const renderErrors = new Map<string, Diagnostic>();
  // Render errors are reported per page by the server itself; here only the content's.
  const allErrors = () => state.diagnostics.filter((d) => d.severity === 'error');

  const guard = new DevRequestGuard({ host, ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}) });
  const server = new DevServer({
    guard,
    contentDir,
    version: () => version,
    errors: allErrors,
    ...(backend.frameOf ? { frame: (d: Diagnostic) => backend.frameOf!(d) } : {}),
    render: (urlPath) => (loaded ? pages.render(urlPath) : Promise.resolve(loadingPage(performance.now() - t0))),
    ...(backend.asset ? { asset: (urlPath: string) => backend.asset!(urlPath) } : {}),
    ...(options.mount ? { mount: options.mount } : {}),
    onError: (error) => reporter?.failure(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
  });
  const port = await listenOnFreePort(server.server, host, options.port ?? DEFAULT_DEV_PORT);
  // An 'error' event with no listener ends the process; past listen, report it and keep serving.
  server.server.on('error', (error) => reporter?.failure(`server error: ${error.message}`));
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/`;

  const report = (summary: UpdateSummary) => {
    if (!reporter) return;
    const text = backend.formatDiagnostics({ color: reporter.color });
    const extra = [...renderErrors.values()].map((d) => `${d.file}: ${d.message} (${d.ruleId})`).join('\n');
    reporter.update(summary, [text, extra].filter(Boolean).join('\n'));
  };
  reporter?.started(url, contentDir, host !== '127.0.0.1' && host !== 'localhost' && host !== '::1');
  let reported: BackendState | undefined;
  try {
    // The content first (graph loaded and checked): the terminal reports it
    // while the pages are built; tabs keep the loading page until they are.
    if (backend.loadContent) {
      reported = state = await backend.loadContent();
      report({ state, changedFiles: 0, rescan: false, durationMs: performance.now() - t0 });
    }
    state = await backend.load();
  } catch (error) {
    await server.close();
    throw error;
  }
  loaded = true;
  version++;
  // Again only if building the pages changed what was reported (a render failure).
  if (!reported || !sameDiagnostics(reported, state)) report({ state, changedFiles: 0, rescan: false, durationMs: performance.now() - t0 });
  // Tabs opened while loading get their real page now.
  const first = new Map<string, PageResult>();
  for (const tab of server.openPages) if (!first.has(tab.path)) first.set(tab.path, await pages.render(tab.path));
  await server.pushToTabs(first);

  let waiters: Array<(update: DevUpdate) => void> = [];
  // Batches are applied one at a time, in order; batches that arrive while
  // one is applied are merged so a burst ends in one more update, not many.
  let queued: ChangeBatch | undefined;
  let running: Promise<void> | undefined;

  const apply = async (batch: ChangeBatch): Promise<void> => {
    const paths = [...batch.changed, ...batch.removed];
    if (batch.rescan) state = await backend.load();
    else await backend.update(paths);
    version++;
    const fresh = new Map<string, PageResult>();
    renderErrors.clear();
    for (const tab of server.openPages) {
      if (fresh.has(tab.path)) continue;
      const page = await pages.render(tab.path);
      fresh.set(tab.path, page);
      if (page.renderError) {
        renderErrors.set(page.renderError.file, diagnostic('lab:render-failed', page.renderError.file, FILE_START, page.renderError.message));
      }
    }
    // Pages first (what the author looks at), then the cross-file rules, then
    // the overlay and terminal catch up.
    await server.pushToTabs(fresh);
    const pagesMs = performance.now() - batch.firstEventAt;
    if (!batch.rescan) {
      // Let the event loop flush the tabs' sockets (http corks writes until
      // the next tick) before the CPU-bound rules run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      state = await backend.diagnose(paths);
      await server.pushToTabs(fresh);
    }
    const durationMs = performance.now() - batch.firstEventAt;
    report({ state, changedFiles: paths.length, rescan: batch.rescan, durationMs });
    const update: DevUpdate = { version, changedFiles: paths, rescan: batch.rescan, firstEventAt: batch.firstEventAt, pagesMs, durationMs, state };
    const ready = waiters;
    waiters = [];
    for (const resolve of ready) resolve(update);
  };

  const drain = async (): Promise<void> => {
    while (queued) {
      const batch = queued;
      queued = undefined;
      try {
        await apply(batch);
      } catch (error) {
        // A failing update must not stop the watcher; say which files caused it.
        reporter?.failure(`update of ${batch.changed.concat(batch.removed).map((f) => path.relative(contentDir, f)).join(', ')} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
    running = undefined;
  };

  const onBatch = (batch: ChangeBatch) => {
    queued = queued ? mergeBatches(queued, batch, options.burstThreshold ?? 200) : batch;
    running ??= drain();
  };

  const watcher: FolderWatcher = watchContent(contentDir, {
    onBatch,
    onError: (error) => reporter?.failure(`watcher: ${error.message}`),
    ...(options.quietMs !== undefined ? { quietMs: options.quietMs } : {}),
    ...(options.burstThreshold !== undefined ? { burstThreshold: options.burstThreshold } : {}),
  });
  await watcher.ready;

  return {
    url,
    secret: guard.secret,
    port,
    host,
    contentDir,
    get state() {
      return state;
    },
    nextUpdate({ timeoutMs = 15_000 } = {}) {
      return new Promise<DevUpdate>((resolve, reject) => {
        const timer = setTimeout(() => reject(SiteErrors.DevNoUpdate(timeoutMs)), timeoutMs);
        waiters.push((update) => {
          clearTimeout(timer);
          resolve(update);
        });
      });
    },
    async close() {
      await watcher.close();
      await running;
      await server.close();
    },
  };
}

function sameDiagnostics(a: BackendState, b: BackendState): boolean {
  return a.itemCount === b.itemCount && a.diagnostics.length === b.diagnostics.length && a.diagnostics.every((d, i) => d === b.diagnostics[i]);
}

function mergeBatches(a: ChangeBatch, b: ChangeBatch, burstThreshold: number): ChangeBatch {
  const changed = new Set(a.changed);
  const removed = new Set(a.removed);
  for (const f of b.changed) {
    changed.add(f);
    removed.delete(f);
  }
  for (const f of b.removed) {
    removed.add(f);
    changed.delete(f);
  }
  return {
    changed: [...changed],
    removed: [...removed],
    rescan: a.rescan || b.rescan || changed.size + removed.size > burstThreshold,
    firstEventAt: Math.min(a.firstEventAt, b.firstEventAt),
    eventCount: a.eventCount + b.eventCount,
  };
}

async function defaultBackend(contentDir: string, store: ContentStore | undefined): Promise<PreviewBackend> {
  const { createSitePreviewBackend } = await import('./site-preview-backend.ts');
  return createSitePreviewBackend(contentDir, store ? { store } : {});
}
