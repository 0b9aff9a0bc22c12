import path from 'node:path';
import type { FolderWatcher } from '../dev/content-watcher.ts';
import { build, type BuildOptions, type BuildResult } from './build-site.ts';

export interface WatchBuildOptions extends Omit<BuildOptions, 'keepGraph' | 'graph' | 'isolate'> {
  /**
   * Called after every build: the first one, then one per batch of saves.
   * `changed` lists the content files (relative to `dir`) that set it off;
   * empty for the first build. A build that threw passes its error.
   */
  onBuild: (outcome: { result?: BuildResult; error?: Error; changed: string[] }) => void;
}

export interface BuildWatcher {
  /** Resolves after the first build, when saves are being watched. */
  ready: Promise<void>;
  /** Stops watching; waits for a build under way. */
  close(): Promise<void>;
}

/**
 * `lab build --watch`: builds, then rebuilds on every save, in one process
 * that keeps the content graph and the render cache in memory
 * (`build({ keepGraph: true })`). A fresh `lab build` process spends most of
 * a one-file rebuild loading the graph (reading the parse cache, running
 * every rule); here only the changed files are parsed again.
 *
 * Saves during a build are collected and built after it, in one more build.
 * The output and cache folders are not watched when they sit inside the
 * content folder (the build's own writes must not set off another build).
 */
/** More changed paths than this in one batch, or queued behind a build, and the next build walks the folder (as `lab dev` re-scans). */
const BURST_THRESHOLD = 200;

export function watchBuild(options: WatchBuildOptions): BuildWatcher {
  const { onBuild, ...buildOptions } = options;
  const dir = path.resolve(options.dir);
  const skip = [path.resolve(options.outDir), ...(options.cacheDir ? [path.resolve(options.cacheDir)] : [])];
  const own = (file: string) => skip.some((s) => file === s || file.startsWith(s + path.sep));
  let running: Promise<void> | undefined;
  let queued: Set<string> | undefined;
  let closed = false;
  // Whether the next build must walk the folder rather than trust the
  // watcher's list: a change may have gone unreported before the watcher
  // was ready (the first rebuild), when the watcher reported an error (its
  // next batch is also flagged `rescan`), in a burst of events (a branch
  // checkout: a `rescan` batch), or when the last build failed (its files
  // may not be in the kept graph).
  let walk = true;
  let watching = false;

  // `force` is for the first build only: a save must not throw the cache away.
  const run = (changed: string[], first = false): Promise<void> => {
    const trusted = !first && !walk;
    // A build that starts once the watcher is ready sees every change before it on disk.
    if (!first && watching) walk = false;
    return build({ ...buildOptions, keepGraph: true, force: first && options.force === true, ...(trusted ? { changedFiles: changed } : {}) }).then(
      (result) => onBuild({ result, changed }),
      (error: unknown) => {
        walk = true;
        onBuild({ error: error instanceof Error ? error : new Error(String(error)), changed });
      },
    );
  };
  // One build at a time; saves that arrive meanwhile go into the next one.
  const schedule = (files: string[]) => {
    if (running) {
      queued ??= new Set();
      for (const f of files) queued.add(f);
      // A storm that arrived in several smaller batches during a build is a burst all the same.
      if (queued.size > BURST_THRESHOLD) walk = true;
      return;
    }
    running = run(files).then(() => {
      running = undefined;
      const next = queued;
      queued = undefined;
      if (next && !closed) schedule([...next]);
    });
  };

  // The watcher (chokidar) loads only here: a plain `lab build` never pays for it.
  const watcher: Promise<FolderWatcher> = import('../dev/content-watcher.ts').then(({ watchContent, isIgnoredPath }) =>
    watchContent(dir, {
      burstThreshold: BURST_THRESHOLD,
      onBatch: (batch) => {
        // A burst, or the first batch after a watcher error: the list may be incomplete.
        if (batch.rescan) walk = true;
        const files = [...batch.changed, ...batch.removed].filter((f) => !own(f) && !isIgnoredPath(dir, f));
        if (files.length && !closed) schedule(files.map((f) => path.relative(dir, f).split(path.sep).join('/')));
      },
      onError: (error) => {
        walk = true;
        onBuild({ error, changed: [] });
      },
    }),
  );
  // The first build runs while the watcher scans: a save during it is queued, not lost.
  running = Promise.all([watcher.then((w) => w.ready.then(() => void (watching = true))), run([], true)]).then(() => {
    running = undefined;
    const next = queued;
    queued = undefined;
    if (next && !closed) schedule([...next]);
  });
  const ready = running;
  return {
    ready,
    async close() {
      closed = true;
      await (await watcher).close();
      while (running) await running;
    },
  };
}
