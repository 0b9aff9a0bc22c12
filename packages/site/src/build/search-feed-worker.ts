// Worker entry for a rebuild's early search feed (search-feed.ts): runs
// prepareFeed as the rebuild starts and feedShard once the changed files
// are known, so that its file reads and Pagefind's requests go on
// while the main thread loads and renders (synchronous stretches of
// ~0.3 s each, during which a feed on the main thread did not move), and
// keeps the fed index for the main thread's later requests.
import { parentPort } from 'node:worker_threads';
import { dropFeedPrep, feedShard, prepareFeed, type FeedPrep, type Prefed } from './search-index.ts';

/** A request of search-feed.ts; each gets one {@link FeedReply} with its id. */
export type FeedRequest = { id: number } & (
  | { op: 'prepare'; cacheDir: string }
  | { op: 'feed'; changedFiles: string[] }
  | { op: 'add'; record: Parameters<Prefed['index']['addCustomRecord']>[0] }
  | { op: 'write'; outputPath: string }
  | { op: 'delete' }
  | { op: 'discard' }
  | { op: 'release' }
);
export type FeedReply = { id: number; value?: unknown; error?: string };

/** What 'prepare' read and opened, until 'feed' takes it. */
let prep: Promise<FeedPrep | undefined> | undefined;
let fed: Prefed | undefined;

const kept = (): Prefed => {
  if (!fed) throw new Error('nothing was fed');
  return fed;
};

async function handle(msg: FeedRequest): Promise<unknown> {
  switch (msg.op) {
    case 'prepare':
      prep ??= prepareFeed(msg.cacheDir).catch(() => undefined);
      return undefined;
    case 'feed': {
      const p = prep;
      prep = undefined;
      fed = await feedShard(msg.changedFiles, await p).catch(() => undefined);
      // Only the URL → digest list goes back: the index stays here.
      return fed ? [...fed.fed] : undefined;
    }
    case 'add':
      return kept().index.addCustomRecord(msg.record);
    case 'write':
      return kept().index.writeFiles({ outputPath: msg.outputPath });
    case 'delete':
      return kept().index.deleteIndex();
    case 'discard':
    case 'release': {
      const f = fed;
      const p = prep;
      fed = undefined;
      prep = undefined;
      await (msg.op === 'discard' ? f?.discard() : f?.release());
      // Prepared but never fed (the load did not name its changed files).
      const unused = await p;
      if (unused) await dropFeedPrep(unused);
      return undefined;
    }
  }
}

parentPort?.on('message', (msg: FeedRequest) => {
  handle(msg).then(
    (value) => parentPort?.postMessage({ id: msg.id, value } satisfies FeedReply),
    (error: unknown) => parentPort?.postMessage({ id: msg.id, error: error instanceof Error ? error.message : String(error) } satisfies FeedReply),
  );
});
