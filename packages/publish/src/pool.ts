/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Once a call
 * fails, no new call starts (the ones in flight finish), so a broken
 * storage service stops the publish quickly instead of failing every object.
 * Returns the errors, each with its item.
 * Hand-written on purpose: p-limit has no "stop starting after the first
 * failure" (it would need clearQueue plus bookkeeping longer than this).
 */
export async function runPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<Array<{ item: T; error: unknown }>> {
  const failures: Array<{ item: T; error: unknown }> = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failures.push({ item, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return failures;
}
