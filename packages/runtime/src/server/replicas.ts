import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import type { PlaygroundServer } from './playground-server.ts';
import type { PlaygroundSession } from './session.ts';
import { SharedState } from './shared-state.ts';

export interface ReplicaOptions {
  /** Redis: `redis://host:port` or a unix socket path. */
  redis: string;
  /** The address other replicas reach this one at (default: the listen host). */
  advertiseHost?: string;
  /** Sessions across all replicas; past it, new ones get 503 busy (default: no cluster-wide cap). */
  maxSessions?: number;
  /** Sessions one client may create per minute across all replicas (default 30). */
  createsPerMinute?: number;
  /** Sessions (any state) one client may hold across all replicas (default: the server's `maxSessionsPerClient`). */
  maxSessionsPerClient?: number;
}

/** What the provider does for all replicas, under a lock (the Swarm provider's pool). */
export interface SharedPool {
  fill?(): Promise<void>;
  reap?(): Promise<number>;
}

const PROXIED = 'x-labkit-replica';
const RENEW_MS = 5_000;
const REAP_MS = 10_000;

/**
 * One `lab serve` replica among several behind a load balancer. A session
 * lives in the replica that created it (its machines' links, its engine,
 * its terminals); its record in Redis names that replica, so any other
 * replica that gets a request or WebSocket for it forwards it there, over
 * the network the replicas share. Cluster-wide limits and rate limits are
 * checked in Redis before a session is created; the pool's refill and
 * reaping run in whichever replica takes the lock.
 */
export class Replicas {
  readonly shared: SharedState;
  #playgrounds: PlaygroundServer | undefined;
  #options: ReplicaOptions;
  #pool: SharedPool | undefined;
  #clientOf = new Map<string, string>();
  #timers: NodeJS.Timeout[] = [];
  #trustProxy: boolean;
  #onLog: (line: string) => void;

  constructor(options: ReplicaOptions & { url: string; pool?: SharedPool; trustProxy?: boolean; onLog?: (line: string) => void }) {
    this.#options = options;
    this.#pool = options.pool;
    this.#trustProxy = options.trustProxy ?? false;
    this.#onLog = options.onLog ?? (() => {});
    this.shared = new SharedState({ redis: options.redis, replica: `${process.pid}-${randomBytes(3).toString('hex')}`, url: options.url });
  }

  /** Connects, reconciles the pool with the services that exist, and starts the renew and reap timers. */
  async start(playgrounds: PlaygroundServer): Promise<void> {
    this.#playgrounds = playgrounds;
    await this.shared.connect();
    const reap = async () => {
      const n = await this.#pool?.reap?.();
      if (n) this.#onLog(`reaped ${n} orphaned runner service(s)`);
      await this.#pool?.fill?.();
    };
    await reap().catch((error: Error) => this.#onLog(`reconcile failed: ${error.message}`));
    this.#timers.push(
      setInterval(() => void this.shared.renew(playgrounds.sessions.map((s) => ({ token: s.token, client: this.#clientOf.get(s.token) ?? 'unknown' }))).catch((error: Error) => this.#onLog(`renewing session records failed: ${error.message}`)), RENEW_MS),
      setInterval(() => void reap().catch((error: Error) => this.#onLog(`reaping failed: ${error.message}`)), REAP_MS),
    );
    for (const t of this.#timers) t.unref();
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    await this.shared.close();
  }

  /** `PlaygroundServer`'s `onSession`: keeps the session records. */
  onSession = (event: 'created' | 'stopped', session: PlaygroundSession, client: string): void => {
    if (event === 'created') {
      this.#clientOf.set(session.token, client);
      void this.shared.addSession(session.token, { item: session.item.id, client }).catch((error: Error) => this.#onLog(`recording a session failed: ${error.message}`));
    } else {
      this.#clientOf.delete(session.token);
      void this.shared.removeSession(session.token, client, 'stopped').catch((error: Error) => this.#onLog(`removing a session record failed: ${error.message}`));
    }
  };

  /** Handles what is not this replica's alone: creation limits and another replica's sessions. False: serve it here. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const route = routeOf(req.url);
    if (route[0] !== 'sessions') return false;
    if (route.length === 1 && req.method === 'POST') return this.#admit(req, res);
    const owner = await this.#owner(req, route[1]);
    if (!owner) return false;
    const upstream = http.request(new URL(req.url ?? '/', owner), { method: req.method, headers: { ...req.headers, [PROXIED]: this.shared.replica } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `the replica holding this session did not answer (${error.message})` }));
      else res.destroy();
    });
    req.pipe(upstream);
    return true;
  }

  /** WebSocket upgrades for another replica's session: the bytes are relayed both ways. */
  async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<boolean> {
    const route = routeOf(req.url);
    if (route[0] !== 'sessions') return false;
    const owner = await this.#owner(req, route[1]);
    if (!owner) return false;
    const target = new URL(owner);
    const upstream = net.connect({ host: target.hostname, port: Number(target.port) || 80 });
    upstream.once('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      lines.push(`${PROXIED}: ${this.shared.replica}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
    socket.on('close', () => upstream.destroy());
    return true;
  }

  /** The URL of the replica that holds this session, when it is another one (and this request was not forwarded already). */
  async #owner(req: IncomingMessage, token: string | undefined): Promise<string | undefined> {
    if (!token || req.headers[PROXIED] || this.#playgrounds?.sessions.some((s) => s.token === token)) return undefined;
    const record = await this.shared.lookup(token);
    return record && record.url !== this.shared.url ? record.url : undefined;
  }

  async #admit(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const client = (this.#trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim() : undefined) || req.socket.remoteAddress || 'unknown';
    const refuse = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...(status === 503 ? { 'retry-after': '30' } : {}) }).end(JSON.stringify(body));
      return true;
    };
    const perMinute = this.#options.createsPerMinute ?? 30;
    if ((await this.shared.countCreate(client)) > perMinute) return refuse(429, { error: `This address started more than ${perMinute} playground sessions in the last minute: wait a moment.` });
    const perClient = this.#options.maxSessionsPerClient ?? this.#playgrounds?.limits.maxSessionsPerClient ?? 0;
    if (perClient > 0 && (await this.shared.sessionCount(client)) >= perClient) return refuse(429, { error: `This address already holds ${perClient} playground sessions (the limit): stop one first.` });
    const cap = this.#options.maxSessions;
    if (cap && (await this.shared.sessionCount()) >= cap) return refuse(503, { error: 'busy', message: `All ${cap} playground slots of this site are in use. Try again in a minute.` });
    return false;
  }
}

function routeOf(target: string | undefined): string[] {
  try {
    return new URL(target ?? '/', 'http://localhost').pathname.split('/').filter(Boolean);
  } catch {
    return [];
  }
}
