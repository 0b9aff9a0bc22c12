export interface RetryOptions {
  /** Retries after the first attempt. Default 4 (5 attempts in all). */
  retries?: number;
  /** First backoff in ms; doubles each retry, with full jitter. Default 250. */
  baseDelayMs?: number;
  /** Longest single wait in ms. Default 8000. */
  maxDelayMs?: number;
}

/**
 * Runs `fn`, retrying errors `isRetryable` accepts with exponential backoff
 * and full jitter (a random wait up to base·2^n, so many workers failing
 * together do not retry in lockstep). Other errors, and the last retryable
 * one, are thrown. `onRetry` sees each retried error (for counting).
 * Hand-written on purpose: p-retry's `randomize` scales each wait by 1-2x,
 * not the full jitter (0..base·2^n) that keeps many workers out of lockstep.
 */
export async function withRetry<T>(
  fn: () => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  options: RetryOptions = {},
  onRetry?: (error: unknown, attempt: number) => void,
): Promise<T> {
  const retries = options.retries ?? 4;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 8000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= retries || !isRetryable(error)) throw error;
      onRetry?.(error, attempt + 1);
      const wait = Math.random() * Math.min(max, base * 2 ** attempt);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
