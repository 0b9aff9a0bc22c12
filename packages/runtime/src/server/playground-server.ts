import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Provider } from '../provider.ts';
import type { PlaygroundCatalog, PlaygroundItem } from './catalog.ts';
import { chooseConditions } from '../engine/conditions.ts';
import type { ServeEvent } from './serve-events.ts';
import { formatMetrics, type MetricSample } from './metrics.ts';
import { PlaygroundSession } from './session.ts';
import { SOCKET_LIMITS } from './socket-limits.ts';
import { parseSize, pendingBytes } from './terminal-channel.ts';
import { WebProxy, type WebProxyLimits } from './web-proxy.ts';

export interface ServerLimits {
  /** Sessions holding machines at once, across all learners (default 4). */
  maxSessions?: number;
  /** Sessions waiting for a slot; past this, new learners get an honest 503 busy (default 16). */
  maxQueue?: number;
  /** Machines one session may run; bigger playgrounds are refused (default 4). */
  maxMachinesPerSession?: number;
  /** A session is stopped this long after it was created (default 1 h). */
  sessionLifetimeMs?: number;
  /** ...or after this long without any request, keystroke or message (default 15 min). */
  idleTimeoutMs?: number;
  /** ...or this long after its last tab disconnected (closed tab; default 60 s). */
  disconnectGraceMs?: number;
  /** Sessions (running or queued) one client address may hold; 0 = no limit (default here; `lab serve` defaults to 3). */
  maxSessionsPerClient?: number;
  /** Unsent terminal output one WebSocket may hold before it is closed (4008); default 1 MiB. */
  terminalBacklogBytes?: number;
}

export interface PlaygroundServerOptions {
  catalog: PlaygroundCatalog;
  provider: Provider;
  /** URL path the API is mounted under, with a trailing slash (default `/`). */
  prefix?: string;
  limits?: ServerLimits;
  /**
   * Origins allowed to call the API from a browser; default any. A request
   * or WebSocket whose `Origin` is not listed is refused (403), and only
   * listed origins get CORS headers. `'same-origin'`: only pages served by
   * the same host (`lab dev`, where the preview checks `Host`); no CORS.
   * Requests without an `Origin` (not from a browser page) are not affected.
   */
  allowOrigins?: string[] | 'same-origin';
  /** How often the limits are enforced (default 1 s). */
  sweepIntervalMs?: number;
  /** Behind a reverse proxy: take the client address from `X-Forwarded-For` (its last hop). */
  trustProxy?: boolean;
  /** Idle pre-booted machines, for health and metrics (the pool's `idle`). */
  poolIdle?: () => number;
  /** Unexpected failures (bugs) while serving a request: the caller gets a bare 500, the details go here. */
  onError?: (error: unknown) => void;
  /** A session was created or stopped (the state `lab serve` replicas share in Redis is kept with this). */
  onSession?: (event: 'created' | 'stopped', session: PlaygroundSession, client: string) => void;
  /** Wide events (`lab serve --events`): one per session state change, machine lifecycle step and task run. */
  onEvent?: (event: ServeEvent) => void;
  /** Host names (besides loopback) web tabs may be opened on: the server's public name behind a reverse proxy. */
  webHosts?: string[];
  /** Limits of the web tab proxy (connections per session, body sizes). */
  webLimits?: WebProxyLimits;
}

const DEFAULT_LIMITS: Required<ServerLimits> = {
  maxSessions: 4,
  maxQueue: 16,
  maxMachinesPerSession: 4,
  sessionLifetimeMs: 60 * 60_000,
  idleTimeoutMs: 15 * 60_000,
  disconnectGraceMs: 60_000,
  maxSessionsPerClient: 0,
  terminalBacklogBytes: SOCKET_LIMITS.terminalBacklogBytes,
};

/**
 * The playground API, mountable in any Node HTTP server (`lab dev` mounts it
 * under `/__lab/runtime/`, `lab serve` at `/`):
 *
 *   GET    items/:id                  does this item have a playground (machines, tasks)
 *   POST   sessions {item}            201 {token,...} | 202 queued | 503 busy
 *   GET    sessions/:token            snapshot
 *   POST   sessions/:token/input      {task, value}: a user-input-task answer
 *   POST   sessions/:token/restart    fresh machines, a new attempt
 *   POST   sessions/:token/stop       (also DELETE sessions/:token; sendBeacon-friendly)
 *   WS     sessions/:token/events     snapshot, then task/hint/playground/machine events
 *   WS     sessions/:token/terminal/:machine?cols=&rows=
 *   ANY/WS web/:webId/…                web tabs: the authenticated proxy (see WebProxy)
 *   GET    health, metrics
 */
export class PlaygroundServer {
  readonly prefix: string;
  readonly limits: Required<ServerLimits>;
  #catalog: PlaygroundCatalog;
  #provider: Provider;
  #sessions = new Map<string, PlaygroundSession>();
  #queue: PlaygroundSession[] = [];
  /** Stopped sessions whose machines are not gone yet. */
  #stopping = new Set<PlaygroundSession>();
  #wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  #allowOrigins: string[] | 'same-origin' | undefined;
  #timer: NodeJS.Timeout;
  #closed = false;
  #counters = { created: 0, rejectedBusy: 0, rejectedPerClient: 0, stopped: new Map<string, number>(), tasksCompleted: 0, restarts: 0, slowSockets: 0 };
  #startTimes: number[] = [];
  #poolIdle: (() => number) | undefined;
  #trustProxy: boolean;
  #clientOf = new WeakMap<PlaygroundSession, string>();
  #onSession: PlaygroundServerOptions['onSession'];
  #onError: (error: unknown) => void;
  #onEvent: ((event: ServeEvent) => void) | undefined;
  #web: WebProxy;

  constructor(options: PlaygroundServerOptions) {
    this.prefix = options.prefix ?? '/';
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.#catalog = options.catalog;
    this.#provider = options.provider;
    this.#allowOrigins = options.allowOrigins;
    this.#poolIdle = options.poolIdle;
    this.#trustProxy = options.trustProxy ?? false;
    this.#onError = options.onError ?? (() => {});
    this.#onSession = options.onSession;
    this.#onEvent = options.onEvent;
    this.#web = new WebProxy({
      prefix: this.prefix,
      sessionByWebId: (id) => [...this.#sessions.values()].find((s) => s.webId === id),
      ...(options.webHosts ? { hosts: options.webHosts } : {}),
      ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}),
      trustProxy: this.#trustProxy,
      ...(options.webLimits ? { limits: options.webLimits } : {}),
    });
    this.#timer = setInterval(() => void this.#sweep(), options.sweepIntervalMs ?? 1_000);
    this.#timer.unref();
  }

  /** Paths of the web tab proxy, which authenticates its requests itself (the session cookie). */
  ownsWebPath(pathname: string): boolean {
    return this.#web.owns(pathname);
  }

  get sessions(): readonly PlaygroundSession[] {
    return [...this.#sessions.values()];
  }

  /** Handles a request under the prefix; false when the path is not ours. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = parseUrl(req.url);
    if (!url) {
      // Not ours to judge, unless nothing else can be: a path that is no URL.
      json(res, 400, { error: 'bad request: the path is not a valid URL' });
      return true;
    }
    if (!url.pathname.startsWith(this.prefix)) return false;
    if (this.#web.owns(url.pathname)) {
      // Web tabs have their own rules (session cookie, declared ports, Host and Origin).
      await this.#web.handle(req, res).catch((error: unknown) => {
        this.#onError(error);
        if (!res.headersSent) json(res, 500, { error: 'internal error' });
        else res.destroy();
      });
      return true;
    }
    const route = url.pathname.slice(this.prefix.length).split('/').filter(Boolean);
    if (!this.#originAllowed(req)) {
      json(res, 403, { error: 'this origin may not use this playground server' });
      return true;
    }
    this.#cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return true;
    }
    try {
      await this.#route(req, res, route, url);
    } catch (error) {
      // Only our own errors say what went wrong; anything else is a bug whose
      // text (a stack, a property name) is not for the caller.
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) json(res, status, { error: error instanceof HttpError ? error.message : 'internal error' });
      else res.end();
      if (!(error instanceof HttpError)) this.#onError(error);
    }
    return true;
  }

  /**
   * Handles a WebSocket upgrade under the prefix; false when the path is not
   * ours. Never throws: a request it cannot read is answered 400, and every
   * socket it takes has its `error` handled (a reset, an unmasked frame), so
   * one bad client closes its own socket and nothing else.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    socket.on('error', () => socket.destroy());
    const refuse = (status: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      else socket.destroy();
      return true;
    };
    try {
      const url = parseUrl(req.url);
      if (!url) return refuse('400 Bad Request');
      if (!url.pathname.startsWith(this.prefix)) return false;
      if (this.#web.owns(url.pathname)) {
        this.#web.upgrade(req, socket, head);
        return true;
      }
      const route = url.pathname.slice(this.prefix.length).split('/').filter(Boolean);
      const session = route[0] === 'sessions' ? this.#sessions.get(route[1] ?? '') : undefined;
      if (!this.#originAllowed(req)) return refuse('403 Forbidden');
      if (!session || session.state === 'stopped') return refuse('404 Not Found');
      if (route[2] === 'events' && route.length === 3) {
        this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, () => session.attachEvents(ws)));
        return true;
      }
      if (route[2] === 'terminal' && route.length === 4) {
        const machine = decodeSegment(route[3]!);
        if (machine === undefined) return refuse('400 Bad Request');
        const size = parseSize(JSON.stringify({ cols: url.searchParams.get('cols'), rows: url.searchParams.get('rows') }));
        this.#wss.handleUpgrade(req, socket, head, (ws) =>
          this.#accept(ws, () => {
            if (!session.attachTerminal(machine, ws, size)) ws.close(4404, 'no terminal on that machine (yet)');
          }),
        );
        return true;
      }
      return refuse('404 Not Found');
    } catch (error) {
      this.#onError(error);
      return refuse('500 Internal Server Error');
    }
  }

  /** Every accepted socket: its errors end it (ws has already closed it), a failing attach closes it. */
  #accept(ws: WebSocket, attach: () => void): void {
    ws.on('error', () => ws.terminate());
    try {
      attach();
    } catch (error) {
      this.#onError(error);
      ws.close(1011, 'internal error');
    }
  }

  /** Stops every session (machines gone) and refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#queue = [];
    await Promise.all([...this.#sessions.values()].map((s) => this.#stop(s, 'server shutting down')));
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }

  health(): { ok: boolean; sessions: number; active: number; queued: number; machines: number; poolIdle: number } {
    const all = [...this.#sessions.values()];
    return {
      ok: !this.#closed,
      sessions: all.length,
      active: all.filter((s) => s.active).length,
      queued: this.#queue.length,
      machines: all.reduce((n, s) => n + s.machineCount, 0),
      poolIdle: this.#poolIdle?.() ?? 0,
    };
  }

  metrics(): string {
    const h = this.health();
    const sorted = [...this.#startTimes].sort((a, b) => a - b);
    const mem = process.memoryUsage();
    const q = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! / 1000 : 0);
    return formatMetrics([
      { name: 'labkit_sessions', help: 'Sessions known to the server (any state).', type: 'gauge', value: h.sessions },
      { name: 'labkit_sessions_active', help: 'Sessions holding machines.', type: 'gauge', value: h.active },
      { name: 'labkit_sessions_queued', help: 'Sessions waiting for a slot.', type: 'gauge', value: h.queued },
      { name: 'labkit_machines_running', help: 'Machines up in all sessions.', type: 'gauge', value: h.machines },
      { name: 'labkit_pool_idle_machines', help: 'Pre-booted machines waiting for a session.', type: 'gauge', value: h.poolIdle },
      { name: 'labkit_sessions_created_total', help: 'Sessions created.', type: 'counter', value: this.#counters.created },
      { name: 'labkit_sessions_rejected_total', help: 'Session requests refused because the server was busy.', type: 'counter', value: this.#counters.rejectedBusy, labels: { reason: 'busy' } },
      { name: 'labkit_sessions_rejected_total', help: '', type: 'counter', value: this.#counters.rejectedPerClient, labels: { reason: 'per-client' } },
      ...[...this.#counters.stopped].map(([reason, value]) => ({ name: 'labkit_sessions_stopped_total', help: 'Sessions stopped, by reason.', type: 'counter' as const, value, labels: { reason } })),
      { name: 'labkit_sessions_restarted_total', help: 'Attempts restarted by learners.', type: 'counter', value: this.#counters.restarts },
      { name: 'labkit_tasks_completed_total', help: 'Regular tasks completed in sessions.', type: 'counter', value: this.#counters.tasksCompleted },
      { name: 'labkit_session_first_status_seconds', help: 'Start of a session to its first task status (recent sessions).', type: 'gauge', value: q(0.5), labels: { quantile: '0.5' } },
      { name: 'labkit_session_first_status_seconds', help: '', type: 'gauge', value: q(0.95), labels: { quantile: '0.95' } },
      { name: 'labkit_websockets_open', help: 'Browser WebSockets (events and terminals) open now.', type: 'gauge', value: this.#wss.clients.size },
      { name: 'labkit_websocket_buffered_bytes', help: 'Bytes sent to browser WebSockets and not yet taken by the peer (bounded per socket).', type: 'gauge', value: this.bufferedBytes() },
      { name: 'labkit_websockets_closed_slow_total', help: 'Sockets closed because their peer did not read (backlog over the limit).', type: 'counter', value: this.#counters.slowSockets },
      { name: 'process_resident_memory_bytes', help: 'Resident memory of the server process.', type: 'gauge', value: mem.rss },
      // prom-client's name for it. Output queued for sockets showed here (and in RSS) as ~10x its size.
      { name: 'nodejs_heap_size_used_bytes', help: 'V8 heap in use (live objects and garbage not yet collected).', type: 'gauge', value: mem.heapUsed },
      // Providers that run machines elsewhere report them here (the Swarm provider: services per node and pool).
      ...((this.#provider as { metricSamples?: () => MetricSample[] }).metricSamples?.() ?? []),
    ]);
  }

  /** Unsent bytes held for every browser socket now (ws `bufferedAmount` and terminal output waiting for its frame). */
  bufferedBytes(): number {
    let n = 0;
    for (const ws of this.#wss.clients) n += ws.bufferedAmount + pendingBytes(ws);
    return n;
  }

  async #route(req: IncomingMessage, res: ServerResponse, route: string[], url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const [head, token, action] = route;
    if (head === 'health' && route.length === 1) return json(res, 200, this.health());
    if (head === 'metrics' && route.length === 1) {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(this.metrics());
      return;
    }
    if (head === 'items' && route.length === 2 && method === 'GET') {
      const id = decodeSegment(token!);
      if (id === undefined) throw new HttpError(400, 'bad request: malformed %-escape in the item id');
      const item = await this.#catalog.get(id);
      if (!item) throw new HttpError(404, 'no playground for this item');
      return json(res, 200, { id: item.id, title: item.title, machines: item.machines.map((m) => ({ name: m.name, terminal: m.terminal })), tasks: Object.keys(item.tasks), webTabs: item.webTabs ?? [], conditions: declaredConditions(item) });
    }
    if (head !== 'sessions') throw new HttpError(404, 'not found');
    if (route.length === 1 && method === 'POST') return this.#create(req, res);
    const session = this.#sessions.get(token ?? '');
    if (!session) throw new HttpError(404, 'no such session (stopped, expired or never created)');
    session.touch();
    if (route.length === 2 && method === 'GET') return json(res, 200, session.snapshot());
    if ((route.length === 2 && method === 'DELETE') || (action === 'stop' && method === 'POST')) {
      await this.#stop(session, 'stopped by the learner');
      return json(res, 200, { stopped: true });
    }
    if (action === 'restart' && method === 'POST') {
      if (session.booting) throw new HttpError(409, 'a restart (or the first boot) of this session is already in progress');
      if (session.state !== 'running' && session.state !== 'failed') throw new HttpError(409, `session is ${session.state}`);
      // A failed session holds no machines: its restart boots new ones, so it needs a free slot like a new session.
      if (!session.active && this.#activeCount() >= this.limits.maxSessions) {
        this.#counters.rejectedBusy++;
        res.setHeader('retry-after', '30');
        return json(res, 503, { error: 'busy', message: `All ${this.limits.maxSessions} playground slots are in use. Try again in a minute.` });
      }
      if (!session.restart()) throw new HttpError(409, 'a restart of this session is already in progress');
      this.#counters.restarts++;
      return json(res, 202, { attempt: session.attempt + 1 });
    }
    if (action === 'input' && method === 'POST') {
      const body = await readJson(req);
      if (typeof body.task !== 'string' || typeof body.value !== 'string') throw new HttpError(400, 'expected {"task": string, "value": string}');
      if (!session.setInput(body.task, body.value.slice(0, 4096))) throw new HttpError(409, 'no such task, or the playground is not running');
      return json(res, 200, { accepted: true });
    }
    void url;
    throw new HttpError(404, 'not found');
  }

  async #create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#closed) throw new HttpError(503, 'server shutting down');
    const body = await readJson(req);
    if (typeof body.item !== 'string') throw new HttpError(400, 'expected {"item": "<item id>"}');
    const found = await this.#catalog.get(body.item);
    if (!found) throw new HttpError(404, 'no playground for this item');
    // The learner's init condition values: hostile input, checked against what the definition declares.
    const chosen = chooseConditions(found.initConditions, body.conditions);
    if ('error' in chosen) throw new HttpError(400, chosen.error);
    const item = body.conditions === undefined ? found : { ...found, conditions: chosen.values };
    if (item.machines.length > this.limits.maxMachinesPerSession) {
      throw new HttpError(422, `this playground has ${item.machines.length} machines; this server allows ${this.limits.maxMachinesPerSession} per session`);
    }
    // One session per learner and tab: starting again replaces the old one.
    if (typeof body.replace === 'string') {
      const old = this.#sessions.get(body.replace);
      if (old) await this.#stop(old, 'replaced by a new session');
    }
    const client = this.#client(req);
    if (this.limits.maxSessionsPerClient > 0) {
      const mine = [...this.sessions, ...this.#stopping].filter((s) => this.#clientOf.get(s) === client).length;
      if (mine >= this.limits.maxSessionsPerClient) {
        this.#counters.rejectedPerClient++;
        throw new HttpError(429, `This address already holds ${mine} playground sessions (the limit): stop one first.`);
      }
    }
    const active = this.#activeCount();
    if (active >= this.limits.maxSessions && this.#queue.length >= this.limits.maxQueue) {
      this.#counters.rejectedBusy++;
      res.setHeader('retry-after', '30');
      return json(res, 503, { error: 'busy', message: `All ${this.limits.maxSessions} playground slots are in use and ${this.#queue.length} learners are waiting. Try again in a minute.`, active, queued: this.#queue.length });
    }
    const session = new PlaygroundSession(item, this.#provider, (s) => this.#onState(s), () => this.#counters.slowSockets++, this.limits.terminalBacklogBytes);
    session.onEvent = this.#onEvent;
    this.#sessions.set(session.token, session);
    this.#clientOf.set(session, client);
    this.#counters.created++;
    this.#onSession?.('created', session, client);
    const reply = { token: session.token, webId: session.webId, item: item.id, machines: item.machines.map((m) => ({ name: m.name, terminal: m.terminal })), tasks: Object.keys(item.tasks), conditions: item.conditions ?? {} };
    if (active < this.limits.maxSessions && this.#queue.length === 0) {
      this.#begin(session);
      return json(res, 201, { ...reply, state: 'starting' });
    }
    this.#queue.push(session);
    session.setQueued(this.#queue.length);
    return json(res, 202, { ...reply, state: 'queued', position: this.#queue.length });
  }

  #begin(session: PlaygroundSession): void {
    const started = performance.now();
    void session.start().then(() => {
      if (session.firstStatusMs === undefined) return;
      this.#startTimes.push(session.firstStatusMs);
      if (this.#startTimes.length > 1000) this.#startTimes.shift();
      void started;
    });
  }

  #onState(session: PlaygroundSession): void {
    if (!session.active) this.#drain();
  }

  #drain(): void {
    while (this.#queue.length && this.#activeCount() < this.limits.maxSessions) {
      const next = this.#queue.shift()!;
      if (next.state === 'stopped') continue;
      this.#begin(next);
    }
    this.#queue.forEach((s, i) => s.setQueued(i + 1));
  }

  /**
   * Sessions holding machines or booting them, including stopped ones whose
   * machines are still going away (a boot in flight finishes before it is
   * disposed): stop-and-start in a loop must not run more VMs than the limit.
   */
  #activeCount(): number {
    let n = this.#stopping.size;
    for (const s of this.#sessions.values()) if (s.active) n++;
    return n;
  }

  async #stop(session: PlaygroundSession, reason: string): Promise<void> {
    if (!this.#sessions.has(session.token)) return;
    this.#sessions.delete(session.token);
    this.#onSession?.('stopped', session, this.#clientOf.get(session) ?? 'unknown');
    if (session.active) this.#stopping.add(session);
    this.#queue = this.#queue.filter((s) => s !== session);
    const key = reason.startsWith('idle') ? 'idle' : reason.startsWith('lifetime') ? 'lifetime' : reason.startsWith('disconnected') ? 'disconnected' : reason.includes('learner') ? 'learner' : reason.includes('replaced') ? 'replaced' : 'shutdown';
    this.#counters.stopped.set(key, (this.#counters.stopped.get(key) ?? 0) + 1);
    const done = session.snapshot().tasks.filter((t) => t.kind === 'regular' && t.status === 'completed').length;
    this.#counters.tasksCompleted += done;
    try {
      await session.stop(reason);
    } finally {
      this.#stopping.delete(session);
    }
    this.#drain();
  }

  async #sweep(): Promise<void> {
    const now = Date.now();
    for (const s of this.#sessions.values()) {
      if (now - s.createdAt > this.limits.sessionLifetimeMs) void this.#stop(s, `lifetime of ${Math.round(this.limits.sessionLifetimeMs / 60_000)} min reached`);
      else if (now - s.lastActivity > this.limits.idleTimeoutMs) void this.#stop(s, `idle for ${Math.round(this.limits.idleTimeoutMs / 1000)} s`);
      else if (s.connections === 0 && now - s.lastConnected > this.limits.disconnectGraceMs) void this.#stop(s, 'disconnected: no tab open');
    }
  }

  #client(req: IncomingMessage): string {
    const forwarded = this.#trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim() : undefined;
    return forwarded || req.socket.remoteAddress || 'unknown';
  }

  #originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined || this.#allowOrigins === undefined) return true;
    if (this.#allowOrigins === 'same-origin') {
      const host = req.headers.host?.toLowerCase();
      return host !== undefined && (origin.toLowerCase() === `http://${host}` || origin.toLowerCase() === `https://${host}`);
    }
    return this.#allowOrigins.includes(origin);
  }

  #cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!origin || this.#allowOrigins === 'same-origin') return;
    res.setHeader('access-control-allow-origin', this.#allowOrigins ? origin : '*');
    res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
    res.setHeader('access-control-allow-headers', 'content-type');
    res.setHeader('access-control-max-age', '600');
    if (this.#allowOrigins) res.setHeader('vary', 'origin');
  }
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** A request body that must be a JSON object (`{}` when empty): anything else is the caller's 400. */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new HttpError(413, 'request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'request body is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** The request target as a URL, or undefined when it is none (`http://[/`). */
function parseUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** One %-decoded path segment, or undefined for a malformed escape (`%E0%A4%A`). */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** What the start form offers: each declared key with the value it starts with, its options and whether it may be empty. */
function declaredConditions(item: PlaygroundItem): Array<{ key: string; default: string; options?: string[]; nullable?: boolean }> {
  return (item.initConditions ?? []).map((c) => ({ key: c.key, default: item.conditions?.[c.key] ?? '', ...(c.options ? { options: c.options } : {}), ...(c.nullable ? { nullable: true } : {}) }));
}
