import type { Worker } from 'node:worker_threads';
import { startWorkerThread, workerExecArgv } from '@labkit/sdk/light';
import type { PagefindIndex, Prefed, SearchPrefeed } from './search-index.ts';
import type { FeedReply, FeedRequest } from './search-feed-worker.ts';

// Run from src/ (the workspace), the worker is TypeScript and resolves
// @labkit/sdk to its sources (see render-pool.ts); from dist/ it is plain JS.
const FROM_SOURCE = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(FROM_SOURCE ? './search-feed-worker.ts' : './search-feed-worker.js', import.meta.url);
const WORKER_OPTIONS = FROM_SOURCE ? { execArgv: workerExecArgv(['--conditions=labkit-source']) } : {};

/** Distributes a request without its id. */
type Request = FeedRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/**
 * Starts indexing, while a rebuild loads its content, the search shard the
 * edited files' pages are in, page for page as the last build indexed it:
 * a one-page edit then leaves only that page to add again once it is
 * rendered (Pagefind adding ~40 real tutorials' text was ~0.4 s of a
 * 1.4 s rebuild). The edited pages go in as stand-ins (their title), so
 * each keeps its place and the shard's files come out as a fresh index of
 * it would write them. Its worker starts at once; `changed(files)` (absolute
 * paths) names the edited files. It works from what the last build left
 * in `<cacheDir>`: the shard keys in
 * `search/state.json`, each shard's record list (`<key>.records.json`:
 * URL, title, source folder, parts as text or digest) and the render
 * cache's texts by digest. It is a guess: `buildSearchShards` uses it only
 * if the one shard it has to build has the same pages in the same order,
 * adds again every record whose digest differs from what was fed, and
 * drops it otherwise. Nothing it reads is trusted further: a list that
 * does not parse is no list, and a part whose text the render cache does
 * not have under its digest makes its page a stand-in.
 *
 * The feed runs on a worker thread of its own (search-feed-worker.ts),
 * with its own Pagefind service: a rebuild's load and render are
 * synchronous stretches of the main thread, and a feed there waited for
 * them to end. The index stays in the worker; what is taken is a stand-in
 * whose requests go there.
 */
export function prefeedSearch(cacheDir: string, unused: () => void = () => {}): EarlyFeed {
  const feed = startFeed(cacheDir);
  let work: Promise<Prefed | undefined> | undefined;
  let taken = false;
  return {
    changed: (files) => {
      // A guess that fails is no guess: the build indexes the shard as it
      // would without one (`unused` is told at once, to get ready for that).
      work ??= feed.feed(files).then(
        (fed) => (fed ? fed : void unused()),
        () => void unused(),
      );
    },
    take: () => {
      if (taken) return Promise.resolve(undefined);
      taken = true;
      if (work) return work;
      return feed.end('discard').then(() => undefined);
    },
    close: async () => {
      if (taken) return;
      taken = true;
      if (work) await (await work)?.discard();
      else await feed.end('discard');
    },
  };
}

/** A {@link prefeedSearch}: told the changed files once the load knows them. */
export interface EarlyFeed extends SearchPrefeed {
  /** The changed files (absolute paths); the first call counts. */
  changed(files: readonly string[]): void;
}

/** The feed's worker, prepared at once: `feed` feeds it the changed files' shard, `end` gives everything back. */
function startFeed(cacheDir: string): { feed(files: readonly string[]): Promise<Prefed | undefined>; end(op: 'discard' | 'release'): Promise<void> } {
  const worker: Worker = startWorkerThread(WORKER_URL, WORKER_OPTIONS);
  // Referenced only while a request is out: a build that stops early is not kept up by it.
  worker.unref();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let dead: Error | undefined;
  const settle = (id: number): { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return p;
  };
  const fail = (error: Error): void => {
    dead ??= error;
    for (const id of [...pending.keys()]) settle(id)?.reject(error);
  };
  worker.on('message', (reply: FeedReply) => {
    const p = settle(reply.id);
    if (reply.error !== undefined) p?.reject(new Error(reply.error));
    else p?.resolve(reply.value);
  });
  worker.on('error', fail);
  worker.on('exit', () => fail(new Error('the search feed worker stopped')));
  const call = <T>(request: Request): Promise<T> => {
    if (dead) return Promise.reject(dead);
    return new Promise<T>((resolve, reject) => {
      const id = next++;
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, ...request } as FeedRequest);
    });
  };
  const end = async (op: 'discard' | 'release'): Promise<void> => {
    await call({ op }).catch(() => {});
    await worker.terminate();
  };
  // Read and opened while the load walks the content; nothing waits for it but the feed.
  call({ op: 'prepare', cacheDir }).catch(() => {});
  const feed = async (files: readonly string[]): Promise<Prefed | undefined> => {
    let fed: Array<[string, string | undefined]> | undefined;
    try {
      fed = await call<Array<[string, string | undefined]> | undefined>({ op: 'feed', changedFiles: [...files] });
    } catch {
      fed = undefined;
    }
    if (!fed) {
      await end('discard');
      return undefined;
    }
    const index = {
      addCustomRecord: (record: Parameters<PagefindIndex['addCustomRecord']>[0]) => call({ op: 'add', record }),
      writeFiles: (options: Parameters<PagefindIndex['writeFiles']>[0]) => call({ op: 'write', outputPath: String(options?.outputPath) }),
      deleteIndex: () => call({ op: 'delete' }),
    } as unknown as PagefindIndex;
    return { index, fed: new Map(fed), discard: () => end('discard'), release: () => end('release') };
  };
  return { feed, end };
}
