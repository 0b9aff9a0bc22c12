import { isLabkitError, manifestFileDigests, MANIFEST_PATH, parseBundleManifest, sha256Hex } from '@labkit/sdk';
import type { LabkitError } from '@labkit/sdk';
import { PublishErrors } from './errors.ts';
import { runPool } from './pool.ts';
import type { PublishFile } from './publish-file.ts';
import { withRetry } from './retry.ts';
import type { RetryOptions } from './retry.ts';
import type { PublishTarget } from './target.ts';

export interface SyncOptions {
  /** Delete objects under the target that this publish no longer has. */
  prune?: boolean;
  /** Work out the plan, write nothing. */
  dryRun?: boolean;
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  retry?: RetryOptions;
  /** Progress lines for a terminal. */
  log?: (line: string) => void;
}

export interface SyncUpload {
  path: string;
  reason: 'new' | 'changed';
  size: number;
}

export interface SyncPlan {
  uploads: SyncUpload[];
  /** Objects already stored with the same digest. */
  unchanged: number;
  /** Stored objects this publish does not have: deleted with --prune, else kept. */
  stale: string[];
  manifest: 'new' | 'changed' | 'unchanged';
}

export interface SyncResult extends SyncPlan {
  ok: boolean;
  target: string;
  dryRun: boolean;
  prune: boolean;
  /** Paths deleted (or, in a dry run, that would be). */
  deleted: string[];
  /** Bytes uploaded (or, in a dry run, that would be). */
  bytes: number;
  /** Requests retried after a 5xx, throttling or network error. */
  retries: number;
  failures: Array<{ path: string; error: string }>;
  error?: LabkitError;
}

/**
 * Publishes `files` and then `manifest` to `target`, by digest: an object
 * whose stored SHA-256 matches is not sent again. Order is what keeps
 * readers safe: every other object first (assets before pages, so a new
 * page never links a missing asset), `manifest.json` only once all of them
 * succeeded, and deletions (--prune) only after the new manifest is in
 * place. Any failure stops before the manifest, so the previous one keeps
 * pointing at a complete set of files.
 */
export async function syncToTarget(target: PublishTarget, files: readonly PublishFile[], manifest: PublishFile, options: SyncOptions = {}): Promise<SyncResult> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const log = options.log ?? (() => {});
  let retries = 0;
  const retry = <T>(fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, (e) => target.isRetryable(e), options.retry, (e) => {
      retries++;
      log(`retrying after ${describe(e)}`);
    });
  const explain = (error: unknown): Error => (isLabkitError(error) ? error : target.explain(error));

  let remote: Awaited<ReturnType<PublishTarget['list']>>;
  let previousBytes: Uint8Array | undefined;
  try {
    remote = await retry(() => target.list());
    previousBytes = remote.has(MANIFEST_PATH) ? await retry(() => target.read(MANIFEST_PATH)) : undefined;
  } catch (error) {
    throw explain(error);
  }
  const previous = previousBytes && parseBundleManifest(previousBytes);
  const known = previous ? manifestFileDigests(previous) : new Map<string, { sha256: string; size: number }>();

  if (options.prune && !previous && remote.size > 0) throw PublishErrors.PruneUnownedTarget(target.url, remote.size);

  // Plan: trust the previous manifest for objects whose size matches; ask
  // the target (HEAD metadata / hashing) only for the rest.
  const uploads: SyncUpload[] = [];
  const toCheck: PublishFile[] = [];
  let unchanged = 0;
  for (const f of files) {
    const r = remote.get(f.path);
    if (!r) uploads.push({ path: f.path, reason: 'new', size: f.size });
    else if (r.size !== f.size) uploads.push({ path: f.path, reason: 'changed', size: f.size });
    else if ((r.sha256 ?? known.get(f.path)?.sha256) === f.sha256) unchanged++;
    else toCheck.push(f);
  }
  const checkFailures = await runPool(toCheck, concurrency, async (f) => {
    const stored = await retry(() => target.digest(f.path));
    if (stored === f.sha256) unchanged++;
    else uploads.push({ path: f.path, reason: 'changed', size: f.size });
  });
  if (checkFailures.length) throw explain(checkFailures[0]!.error);

  const wanted = new Set(files.map((f) => f.path));
  wanted.add(MANIFEST_PATH);
  const stale = [...remote.keys()].filter((p) => !wanted.has(p)).sort();
  const manifestState = !previousBytes ? 'new' : sha256Hex(previousBytes) === manifest.sha256 ? 'unchanged' : 'changed';
  const byPath = new Map(files.map((f) => [f.path, f]));
  uploads.sort((a, b) => phase(a.path) - phase(b.path) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const result: SyncResult = {
    ok: true,
    target: target.url,
    dryRun: Boolean(options.dryRun),
    prune: Boolean(options.prune),
    uploads,
    unchanged,
    stale,
    manifest: manifestState,
    deleted: options.prune ? stale : [],
    bytes: uploads.reduce((n, u) => n + u.size, 0) + (manifestState === 'unchanged' ? 0 : manifest.size),
    retries,
    failures: [],
  };
  if (options.dryRun) return result;

  const put = async (f: PublishFile): Promise<void> => {
    const data = await f.load();
    await retry(() => target.put({ path: f.path, data, sha256: f.sha256, contentType: f.contentType, cacheControl: f.cacheControl, ...(f.contentDisposition ? { contentDisposition: f.contentDisposition } : {}) }));
    log(`uploaded ${f.path}`);
  };
  const fail = (failures: Array<{ item: string; error: unknown }>): SyncResult => {
    const explained = failures.map(({ item, error }) => ({ path: item, error: explain(error) }));
    result.ok = false;
    result.retries = retries;
    result.failures = explained.map(({ path, error }) => ({ path, error: error.message }));
    const first = explained[0]!.error;
    result.error = isLabkitError(first) ? first : PublishErrors.SyncFailed(target.url, result.failures);
    return result;
  };

  // Assets, then pages; each group complete before the next starts.
  for (const group of [uploads.filter((u) => phase(u.path) === 0), uploads.filter((u) => phase(u.path) === 1)]) {
    const failures = await runPool(group.map((u) => u.path), concurrency, (path) => put(byPath.get(path)!));
    if (failures.length) return fail(failures);
  }
  if (manifestState !== 'unchanged') {
    try {
      await put(manifest);
    } catch (error) {
      return fail([{ item: MANIFEST_PATH, error }]);
    }
  }
  if (options.prune && stale.length) {
    try {
      await retry(() => target.delete(stale));
      log(`deleted ${stale.length} stale object${stale.length === 1 ? '' : 's'}`);
    } catch (error) {
      const explained = explain(error);
      result.ok = false;
      result.retries = retries;
      result.deleted = [];
      result.failures = [{ path: stale[0]!, error: explained.message }];
      result.error = PublishErrors.PruneFailed(target.url, stale.length, explained.message);
      return result;
    }
  }
  result.retries = retries;
  return result;
}

/** 0: assets and bundle files; 1: pages (they link the assets). */
function phase(path: string): number {
  return /\.html?$/i.test(path) ? 1 : 0;
}

function describe(error: unknown): string {
  const e = error as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  return [status ? `HTTP ${status}` : undefined, e?.code, e?.name, e?.message].filter(Boolean).slice(0, 2).join(' ');
}
