import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { ChangeBatcher, type ChangeBatch, type ChangeBatcherOptions, type ChangeKind } from './change-batcher.ts';
import { isIgnoredFolder } from '@labkit/sdk';

/** What the dev server needs from a file-system watcher (an edge: tests may swap it). */
export interface FolderWatcher {
  /** Resolves once the initial scan is done and events are live. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface ContentWatcherOptions extends ChangeBatcherOptions {
  onBatch: (batch: ChangeBatch) => void;
  onError: (error: Error) => void;
}

// Editor droppings and tool folders: never content, and some editors create
// and delete them on every save (vim's `4913`, emacs' `.#lock`, `file~`).
const IGNORED_NAME = /(^\.#)|(^#.*#$)|(~$)|(\.sw[a-p]$)|(^4913$)|(\.tmp$)|(___jb_\w+___$)|(^\.DS_Store$)/;

export function isIgnoredPath(root: string, file: string, isDirectory = false): boolean {
  const rel = path.relative(root, file);
  if (rel === '') return false;
  const base = path.basename(file);
  if (IGNORED_NAME.test(base)) return true;
  // The folders the SDK's scan skips (tool folders, hidden folders such as
  // ".obsidian"); hidden files can be content (`.solution.sh`), so only
  // editor droppings among them are skipped.
  const segments = rel.split(path.sep);
  return (isDirectory ? segments : segments.slice(0, -1)).some((segment) => segment !== '.' && segment !== '..' && isIgnoredFolder(segment));
}

/**
 * chokidar 6 over the content folder, feeding a ChangeBatcher.
 * `atomic` folds the write-temp-then-rename save into one `change`.
 *
 * After a watcher error, events may have been lost (the path that failed
 * is no longer watched as it should be), so the next batch is flagged
 * `rescan`: `lab dev` reloads the folder and `lab build --watch` walks it
 * instead of trusting the batch's list.
 */
export function watchContent(root: string, options: ContentWatcherOptions): FolderWatcher {
  let failed = false;
  const batcher = new ChangeBatcher((batch) => {
    if (failed) {
      failed = false;
      batch = { ...batch, rescan: true };
    }
    options.onBatch(batch);
  }, options);
  const watcher: FSWatcher = watch(root, {
    ignoreInitial: true,
    atomic: true,
    ignored: (file: string, stats?: { isDirectory(): boolean }) => isIgnoredPath(root, file, stats?.isDirectory() ?? false),
  });
  const on = (kind: ChangeKind) => (file: string) => batcher.push(kind, path.resolve(root, file));
  watcher.on('add', on('add'));
  watcher.on('change', on('change'));
  watcher.on('unlink', on('unlink'));
  watcher.on('addDir', on('addDir'));
  watcher.on('unlinkDir', on('unlinkDir'));
  watcher.on('error', (error) => {
    failed = true;
    options.onError(error instanceof Error ? error : new Error(String(error)));
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      batcher.dispose();
      await watcher.close();
    },
  };
}
