import pLimit from 'p-limit';

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Once a call
 * fails, no new call starts (the ones in flight finish), so a broken
 * storage service stops the publish quickly instead of failing every object.
 * Returns the errors, each with its item.
 */
export async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<Array<{ item: T; error: unknown }>> {
  const failures: Array<{ item: T; error: unknown }> = [];
  // rejectOnClear: the calls cleared after a failure settle (as AbortError,
  // ignored here) instead of hanging the allSettled below.
  const run = pLimit({ concurrency: Math.max(1, limit), rejectOnClear: true });
  await Promise.allSettled(
    items.map((item) =>
      run(async () => {
        try {
          await fn(item);
        } catch (error) {
          failures.push({ item, error });
          run.clearQueue();
        }
      }),
    ),
  );
  return failures;
}
