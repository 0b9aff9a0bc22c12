import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import { hostnameOf, LOOPBACK_HOSTS, normalizeHost, secretMatches } from '@labkit/sdk';

/** Header a page of the preview sends its secret in (fetch); WebSockets use the `lk_secret` query parameter. */
export const DEV_SECRET_HEADER = 'x-lab-secret';
export const DEV_SECRET_PARAM = 'lk_secret';

export interface DevGuardOptions {
  /** The address `lab dev` listens on (`--host`); a wildcard admits this machine's own addresses. */
  host: string;
  /** More host names the preview may be reached by (a name in /etc/hosts, a tunnel). */
  allowedHosts?: readonly string[];
  /** Default: 256 fresh random bits. */
  secret?: string;
}

export interface Refusal {
  status: 400 | 403;
  message: string;
}

/**
 * Who may call `lab dev`: a browser tab showing the preview, nothing else.
 *
 * - `Host` must name this machine by loopback (127.0.0.1, localhost, [::1]),
 *   by the `--host` address, or by an allowed name: a page on another name
 *   that DNS-rebinds to 127.0.0.1 is refused before anything is served, so
 *   it can neither read a page nor learn the secret from one.
 * - `Origin`, when the browser sends one, must be the preview's own
 *   (`http://` + that Host): no other page may call it, and no CORS header
 *   is ever sent.
 * - Anything but GET/HEAD, and every WebSocket upgrade, must carry the
 *   per-run secret that the preview writes into the pages it serves.
 *   That is what starts machines and opens terminals.
 */
export class DevRequestGuard {
  readonly secret: string;
  readonly #hosts: Set<string>;
  readonly #wildcard: boolean;

  constructor(options: DevGuardOptions) {
    this.secret = options.secret ?? randomBytes(32).toString('base64url');
    const host = normalizeHost(options.host);
    this.#wildcard = host === '0.0.0.0' || host === '::' || host === '';
    this.#hosts = new Set([...LOOPBACK_HOSTS, ...(this.#wildcard ? [] : [host]), ...(options.allowedHosts ?? []).map(normalizeHost)]);
  }

  /**
   * Undefined when the request may go on; otherwise what to answer.
   * `ownAuth`: the path authenticates itself (web tabs): no secret needed.
   */
  check(req: IncomingMessage, url: URL, upgrade: boolean, ownAuth = false): Refusal | undefined {
    const hostHeader = req.headers.host;
    const name = hostHeader ? hostnameOf(hostHeader) : undefined;
    if (!hostHeader || name === undefined) return { status: 400, message: 'lab dev: the request has no valid Host header' };
    if (!this.#hostAllowed(name)) {
      return { status: 403, message: `lab dev: Host "${hostHeader.slice(0, 100)}" is not this preview's (DNS rebinding guard). Open it as http://127.0.0.1 or http://localhost, or allow the name with --allow-host.` };
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin.toLowerCase() !== `http://${hostHeader.toLowerCase()}`) {
      return { status: 403, message: 'lab dev: only the preview\'s own pages may call it (cross-origin request refused)' };
    }
    const needsSecret = !ownAuth && (upgrade || (req.method !== 'GET' && req.method !== 'HEAD'));
    if (needsSecret && !this.#secretMatches(upgrade ? (url.searchParams.get(DEV_SECRET_PARAM) ?? headerOf(req)) : headerOf(req))) {
      return { status: 403, message: 'lab dev: this request needs the preview\'s secret (reload the page: lab dev was restarted)' };
    }
    return undefined;
  }

  #secretMatches(given: string | undefined): boolean {
    return given !== undefined && secretMatches(given, this.secret);
  }

  #hostAllowed(name: string): boolean {
    if (this.#hosts.has(name)) return true;
    if (!this.#wildcard) return false;
    // Listening on every interface: this machine's own addresses and name.
    // An IP literal cannot be rebound by DNS; the machine's name is the author's.
    if (name === os.hostname().toLowerCase()) return true;
    return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => normalizeHost(i.address) === name));
  }
}

function headerOf(req: IncomingMessage): string | undefined {
  const v = req.headers[DEV_SECRET_HEADER];
  return Array.isArray(v) ? v[0] : v;
}
