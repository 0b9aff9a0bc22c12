import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks the local servers (`lab dev`'s preview, `lab serve`'s web proxy)
 * share: which Host a request names, and whether it carries the secret.
 * One copy, because a fix to either (a trailing dot, brackets, userinfo)
 * must reach both.
 */

/** The names of this machine's loopback interface, as {@link normalizeHost} writes them. */
export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '::1']);

/** `LocalHost.` → `localhost`, `[::1]` → `::1`. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** The host name of a Host header (`[::1]:4321` → `::1`), or undefined when it is not one (userinfo, a path, garbage). */
export function hostnameOf(header: string): string | undefined {
  try {
    const url = new URL(`http://${header}`);
    if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return undefined;
    return normalizeHost(url.hostname);
  } catch {
    return undefined;
  }
}

/** Constant-time comparison of two secrets (hashed first, so their lengths do not leak either). */
export function secretMatches(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}
