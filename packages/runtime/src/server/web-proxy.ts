import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { hostnameOf, LOOPBACK_HOSTS, normalizeHost, secretMatches } from '@labkit/sdk';
import type { Machine } from '../provider.ts';
import type { PlaygroundSession } from './session.ts';
import type { WebTab } from './web-tabs.ts';
import { ensureFileServer } from './ide-files.ts';

/** Cookie that carries the session token to `web/<webId>/` (and nowhere else: its Path). */
export const WEB_COOKIE = 'lk_web';

export interface WebProxyLimits {
  /** Upstream connections (HTTP requests in flight and WebSockets) one session may hold (default 8). */
  connectionsPerSession?: number;
  /** Largest request body passed to a guest (default 8 MiB; more is 413). */
  maxRequestBytes?: number;
  /** Largest response passed back (default 64 MiB; the response is cut there). */
  maxResponseBytes?: number;
  /** A guest that sends no response head in this long gets a 504 (default 30 s). */
  headTimeoutMs?: number;
}

export interface WebProxyOptions {
  /** The playground server's prefix, with a trailing slash; the proxy lives under `<prefix>web/`. */
  prefix: string;
  sessionByWebId(webId: string): PlaygroundSession | undefined;
  /** Host names (besides loopback) the proxy answers to: the public name of `lab serve` behind a reverse proxy. */
  hosts?: readonly string[];
  /** Site origins that may open a tab (the `__auth` form POST); `same-origin`: only the server's own. */
  allowOrigins?: readonly string[] | 'same-origin';
  /** Behind a TLS reverse proxy: `X-Forwarded-Proto: https` makes the cookie Secure. */
  trustProxy?: boolean;
  limits?: WebProxyLimits;
}


// RFC 9110 7.6.1 and the de-facto ones: meaningful for one hop only.
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate'];

/**
 * The authenticated HTTP proxy behind a playground's web tabs:
 *
 *   POST <prefix>web/<webId>/__auth   form {token, machine, port}: sets the
 *        cookie (HttpOnly, Path=<prefix>web/<webId>/) and redirects to the tab
 *   ANY  <prefix>web/<webId>/<machine>/<port>/<path>   the service, over the
 *        agent channel (busybox nc in the guest), never a host port
 *   WS   the same paths (an IDE's WebSockets)
 *
 * Every request must carry the session's token in that cookie, name a
 * (machine, port) the content declares, come with a Host this server
 * answers to (DNS rebinding) and, when it has an Origin, the proxy's own.
 */
export class WebProxy {
  readonly #o: WebProxyOptions;
  readonly #limits: Required<WebProxyLimits>;
  readonly #hosts: Set<string>;

  constructor(options: WebProxyOptions) {
    this.#o = options;
    this.#limits = { connectionsPerSession: 8, maxRequestBytes: 8 << 20, maxResponseBytes: 64 << 20, headTimeoutMs: 30_000, ...options.limits };
    this.#hosts = new Set([...LOOPBACK_HOSTS, ...(options.hosts ?? []).map(normalizeHost)]);
  }

  get base(): string {
    return `${this.#o.prefix}web/`;
  }

  /** Whether a request target belongs to the proxy (so a preview's own guard lets it through to its own checks). */
  owns(pathname: string): boolean {
    return pathname.startsWith(this.base);
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = this.#check(req, false);
    if ('status' in target) return refuse(res, target.status, target.message);
    const { session, rest } = target;
    if (rest[0] === '__auth' && rest.length === 1) return this.#auth(req, res, session);
    const tab = this.#tab(session, rest);
    if ('status' in tab) return refuse(res, tab.status, tab.message);
    const cookieOk = this.#cookieMatches(req, session);
    if (!cookieOk) return refuse(res, 401, 'This tab needs its playground session: open it from the playground on the lab page.');
    const machine = session.machines.find((m) => m.name === tab.tab.machine);
    if (!machine?.spawn || machine.state !== 'ready') return refuse(res, 503, `Machine ${tab.tab.machine} is not running (yet).`);
    if (session.webConnections >= this.#limits.connectionsPerSession) {
      res.setHeader('retry-after', '1');
      return refuse(res, 503, `This playground already has ${this.#limits.connectionsPerSession} web connections open; try again in a moment.`);
    }
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.#limits.maxRequestBytes) return refuse(res, 413, `Request bodies are limited to ${this.#limits.maxRequestBytes} bytes.`);
    session.touch();
    session.webConnections++;
    let released = false;
    const release = () => {
      if (!released) (released = true), session.webConnections--;
    };
    res.on('close', release);
    try {
      if (tab.tab.kind === 'ide') await ensureFileServer(session, machine, tab.tab);
    } catch (error) {
      release();
      return refuse(res, 502, `The file server in ${machine.name} did not start: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.#forward(req, res, machine, tab.tab, tab.path, release);
  }

  /** A WebSocket (or any upgrade) to a tab: checked like a request, then bytes both ways. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuseSocket = (status: number, message: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(message)}\r\n\r\n${message}`);
      else socket.destroy();
    };
    const target = this.#check(req, true);
    if ('status' in target) return refuseSocket(target.status, target.message);
    const { session, rest } = target;
    const tab = this.#tab(session, rest);
    if ('status' in tab) return refuseSocket(tab.status, tab.message);
    if (!this.#cookieMatches(req, session)) return refuseSocket(401, 'This tab needs its playground session.');
    const machine = session.machines.find((m) => m.name === tab.tab.machine);
    if (!machine?.spawn || machine.state !== 'ready') return refuseSocket(503, `Machine ${tab.tab.machine} is not running (yet).`);
    if (session.webConnections >= this.#limits.connectionsPerSession) return refuseSocket(503, 'Too many web connections open for this playground.');
    session.webConnections++;
    let released = false;
    const release = () => {
      if (!released) (released = true), session.webConnections--;
    };
    const upstream = this.#connect(machine, tab.tab);
    const headers = upstreamHeaders(req.headers, tab.tab, true);
    const lines = [`${req.method ?? 'GET'} ${tab.path} HTTP/1.1`];
    for (const [k, v] of Object.entries(headers)) for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) lines.push(`${k}: ${String(one)}`);
    upstream.write(lines.join('\r\n') + '\r\n\r\n');
    if (head.length) upstream.write(head);
    socket.on('data', () => session.touch());
    socket.pipe(upstream).pipe(socket);
    const close = () => {
      release();
      socket.destroy();
      upstream.destroy();
    };
    socket.on('close', close);
    upstream.on('close', close);
    upstream.on('error', close);
  }

  /** Host, Origin, path shape and session: everything but the tab and the cookie. */
  #check(req: IncomingMessage, upgrade: boolean): { session: PlaygroundSession; rest: string[] } | { status: number; message: string } {
    const host = req.headers.host;
    const name = host ? hostnameOf(host) : undefined;
    if (!host || name === undefined || !this.#hosts.has(name)) return { status: 403, message: 'This host name may not reach playground tabs (DNS rebinding guard).' };
    const raw = (req.url ?? '/').split('?')[0]!;
    if (!raw.startsWith(this.base)) return { status: 404, message: 'not found' };
    // Judge the path as sent: a dot segment (also %2e-escaped) or an escaped
    // slash could otherwise walk from one tab (or session) to another.
    const segments = raw.slice(this.base.length).split('/');
    for (const s of segments) {
      let d: string;
      try {
        d = decodeURIComponent(s);
      } catch {
        return { status: 400, message: 'bad request: malformed %-escape in the path' };
      }
      if (d === '.' || d === '..' || /[/\\\0]/.test(d)) return { status: 400, message: 'bad request: dot segments and escaped slashes are not allowed in a tab path' };
    }
    const [webId, ...rest] = segments;
    const session = this.#o.sessionByWebId(webId ?? '');
    if (!session || session.state === 'stopped') return { status: 404, message: 'No such playground (stopped, expired or never created).' };
    const origin = req.headers.origin;
    const isAuth = rest[0] === '__auth' && rest.length === 1 && !upgrade;
    if (origin !== undefined) {
      const own = origin.toLowerCase() === `http://${host.toLowerCase()}` || origin.toLowerCase() === `https://${host.toLowerCase()}`;
      // The tab's own pages may call it; a site page may only open a tab (its form POST), and only a listed site.
      const site = isAuth && this.#o.allowOrigins !== 'same-origin' && (this.#o.allowOrigins === undefined || this.#o.allowOrigins.includes(origin));
      if (!own && !site) return { status: 403, message: 'Cross-origin requests to playground tabs are refused.' };
    }
    return { session, rest };
  }

  #tab(session: PlaygroundSession, rest: string[]): { tab: WebTab; path: string } | { status: number; message: string } {
    const [machine, port, ...path] = rest;
    const tab = (session.item.webTabs ?? []).find((t) => t.machine === decodeURIComponent(machine ?? '') && String(t.port) === port);
    if (!tab) return { status: 403, message: `This playground does not declare a web tab for ${machine ?? '?'}:${port ?? '?'}.` };
    return { tab, path: '/' + path.join('/') };
  }

  #cookieMatches(req: IncomingMessage, session: PlaygroundSession): boolean {
    const given = cookiesOf(req.headers.cookie).get(WEB_COOKIE);
    return given !== undefined && secretMatches(given, session.token);
  }

  /** The form POST a playground page sends into a tab's iframe (or a new window): token in, cookie out. */
  async #auth(req: IncomingMessage, res: ServerResponse, session: PlaygroundSession): Promise<void> {
    if (req.method !== 'POST') return refuse(res, 405, 'POST the session token here.');
    let body: URLSearchParams;
    try {
      body = new URLSearchParams((await readBody(req, 4096)).toString('utf8'));
    } catch {
      return refuse(res, 413, 'request body too large');
    }
    const token = body.get('token') ?? '';
    if (!secretMatches(token, session.token)) return refuse(res, 401, 'Wrong or missing playground token.');
    const tab = (session.item.webTabs ?? []).find((t) => t.machine === body.get('machine') && String(t.port) === body.get('port'));
    if (!tab) return refuse(res, 403, 'This playground declares no such web tab.');
    const path = `${this.base}${session.webId}/`;
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true || (this.#o.trustProxy === true && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https');
    // Strict where the site and the server share an origin (lab dev); a TLS
    // server embedded by another site needs None + Secure (+ Partitioned, so
    // browsers that block third-party cookies keep it for that site only).
    const attrs = secure ? 'SameSite=None; Secure; Partitioned' : 'SameSite=Strict';
    res.writeHead(303, {
      'set-cookie': `${WEB_COOKIE}=${session.token}; Path=${path}; HttpOnly; ${attrs}`,
      location: `${path}${encodeURIComponent(tab.machine)}/${tab.port}/`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-length': '0',
    });
    res.end();
  }

  #connect(machine: Machine, tab: WebTab): Duplex {
    const stream = guestStream(machine, tab.port);
    return tab.tls ? tlsConnect({ socket: stream, rejectUnauthorized: false, servername: 'localhost' }) : stream;
  }

  #forward(req: IncomingMessage, res: ServerResponse, machine: Machine, tab: WebTab, path: string, release: () => void): void {
    const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
    const upstream = httpRequest({
      method: req.method ?? 'GET',
      path: path + query,
      headers: upstreamHeaders(req.headers, tab, false),
      // No agent: `agent: false` would make a fresh one that ignores createConnection and dials the host.
      createConnection: () => this.#connect(machine, tab) as unknown as import('node:net').Socket,
    });
    const timer = setTimeout(() => upstream.destroy(new Error('timeout')), this.#limits.headTimeoutMs);
    let sent = 0;
    req.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (sent > this.#limits.maxRequestBytes) {
        upstream.destroy();
        if (!res.headersSent) refuse(res, 413, `Request bodies are limited to ${this.#limits.maxRequestBytes} bytes.`);
        req.destroy();
      }
    });
    req.pipe(upstream);
    upstream.on('response', (up) => {
      clearTimeout(timer);
      const headers = downstreamHeaders(up.headers, `${this.base}${(req.url ?? '').slice(this.base.length).split('/')[0]}/${encodeURIComponent(tab.machine)}/${tab.port}/`);
      res.writeHead(up.statusCode ?? 502, headers);
      let got = 0;
      up.on('data', (chunk: Buffer) => {
        got += chunk.length;
        if (got > this.#limits.maxResponseBytes) {
          up.destroy();
          res.destroy();
        }
      });
      up.pipe(res);
      up.on('error', () => res.destroy());
    });
    upstream.on('error', (error) => {
      clearTimeout(timer);
      release();
      if (res.headersSent) return void res.destroy();
      const why = error.message === 'timeout' ? `no answer from port ${tab.port} in ${machine.name} within ${Math.round(this.#limits.headTimeoutMs / 1000)} s` : `nothing answered on port ${tab.port} in ${machine.name} (is the service running?)`;
      refuse(res, error.message === "timeout" ? 504 : 502, why);
    });
  }
}

/**
 * A TCP stream to 127.0.0.1:<port> inside the machine: busybox `nc` as a
 * SPAWN job of the agent, the same channel `lab port-forward` uses. No
 * port of the guest is ever exposed on the host.
 */
export function guestStream(machine: Machine, port: number): Duplex {
  let ended = false;
  const proc = machine.spawn!({
    script: `exec nc 127.0.0.1 ${port}`,
    onOutput: (stream, data) => {
      if (stream === 'stdout' && !ended) duplex.push(data);
    },
  });
  const duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, callback) {
      proc.write(chunk);
      callback();
    },
    final(callback) {
      proc.end();
      callback();
    },
    destroy(error, callback) {
      proc.kill();
      callback(error);
    },
  });
  // What node:http calls on its sockets; a pipe has nothing to tune.
  Object.assign(duplex, { setNoDelay() {}, setKeepAlive() {}, setTimeout() {}, ref() {}, unref() {} });
  proc.result.then(
    () => {
      ended = true;
      duplex.push(null);
    },
    (error: Error) => duplex.destroy(error),
  );
  return duplex;
}

function upstreamHeaders(incoming: IncomingHttpHeaders, tab: WebTab, upgrade: boolean): OutgoingHttpHeaders {
  const drop = new Set(HOP_BY_HOP);
  for (const name of String(incoming.connection ?? '').split(',')) if (name.trim()) drop.add(name.trim().toLowerCase());
  if (upgrade) {
    drop.delete('upgrade');
    drop.delete('connection');
  }
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || drop.has(k) || k === 'x-lab-secret' || k === 'referer' || k.startsWith('x-forwarded-') || k === 'forwarded') continue;
    out[k] = v;
  }
  // The guest sees itself addressed as localhost (servers that check Host or Origin accept that).
  const self = `localhost:${tab.port}`;
  out['host'] = self;
  if (incoming.origin !== undefined) out['origin'] = `${tab.tls ? 'https' : 'http'}://${self}`;
  // Our cookie is ours: the guest gets the others.
  const cookies = [...cookiesOf(incoming.cookie)].filter(([k]) => k !== WEB_COOKIE);
  if (cookies.length) out['cookie'] = cookies.map(([k, v]) => `${k}=${v}`).join('; ');
  else delete out['cookie'];
  if (upgrade) {
    out['connection'] = 'Upgrade';
    out['upgrade'] = incoming.upgrade ?? 'websocket';
  } else out['connection'] = 'close';
  return out;
}

// A guest's answer must not act on the whole origin it is served from (the
// preview's in lab dev): no wiping its storage, no service worker scoped
// above the tab, no HSTS or Alt-Svc for the server's host.
const ORIGIN_WIDE = ['clear-site-data', 'service-worker-allowed', 'strict-transport-security', 'alt-svc'];

function downstreamHeaders(incoming: IncomingHttpHeaders, tabPath: string): OutgoingHttpHeaders {
  const drop = new Set([...HOP_BY_HOP, ...ORIGIN_WIDE]);
  for (const name of String(incoming.connection ?? '').split(',')) if (name.trim()) drop.add(name.trim().toLowerCase());
  const out: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (v === undefined || drop.has(k)) continue;
    if (k === 'set-cookie') {
      // A guest's cookie stays on its tab's path: it can neither reach the
      // site nor overwrite the proxy's own cookie (Domain and Path replaced).
      const list = (Array.isArray(v) ? v : [v]).map(scopeCookie(tabPath)).filter((c): c is string => c !== undefined);
      if (list.length) out[k] = list;
      continue;
    }
    if (k === 'location' && typeof v === 'string' && v.startsWith('/') && !v.startsWith('//')) {
      out[k] = tabPath + v.slice(1); // an absolute path of the guest, under its tab
      continue;
    }
    out[k] = v;
  }
  return out;
}

function scopeCookie(tabPath: string): (cookie: string) => string | undefined {
  return (cookie) => {
    const [pair, ...attrs] = cookie.split(';');
    const name = pair?.split('=')[0]?.trim();
    if (!name || name === WEB_COOKIE) return undefined;
    const kept = attrs.map((a) => a.trim()).filter((a) => a && !/^(domain|path)\s*=/i.test(a));
    return [pair!.trim(), ...kept, `Path=${tabPath}`].join('; ');
  };
}

function cookiesOf(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const k = part.slice(0, at).trim();
    if (!out.has(k)) out.set(k, part.slice(at + 1).trim());
  }
  return out;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new Error('too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 413: 'Payload Too Large', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout' };

function refuse(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }).end(message);
}
