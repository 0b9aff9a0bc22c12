import { randomBytes } from 'node:crypto';
import { isLabkitError } from '@labkit/sdk';
import type { WebSocket } from 'ws';
import type { EngineEvent, PlaygroundStatus, TaskSnapshot } from '../engine/events.ts';
import { TaskEngine } from '../engine/task-engine.ts';
import type { Machine, Provider, RunningPlayground } from '../provider.ts';
import type { PlaygroundItem } from './catalog.ts';
import { closeReason } from './close-reason.ts';
import { CLOSE_TOO_MANY, SOCKET_LIMITS, sendBounded } from './socket-limits.ts';
import { TerminalChannel } from './terminal-channel.ts';
import { describeConditions } from '../engine/conditions.ts';
import type { ServeEvent, ServeEventBody } from './serve-events.ts';

export type SessionState = 'queued' | 'starting' | 'running' | 'failed' | 'stopped';

/** What the browser gets on the events socket (engine events are forwarded as they are). */
export type SessionMessage =
  | { type: 'session'; state: SessionState; attempt: number; detail?: string; position?: number; at: number }
  | { type: 'snapshot'; state: SessionState; attempt: number; detail?: string; position?: number; playground: PlaygroundStatus | undefined; machines: Array<{ name: string; terminal: boolean }>; tasks: TaskSnapshot[]; webId: string }
  | Extract<EngineEvent, { type: 'task' | 'hint' | 'playground' | 'machine' }>;

/** 256 random bits, URL-safe: the only thing that names a session. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * One learner's playground: its machines, its task engine, its terminals
 * and the sockets watching it. The token is the capability: whoever holds
 * it reaches these machines, and nothing else reaches them.
 */
export class PlaygroundSession {
  readonly token = newToken();
  /**
   * Public name of the session's web tabs (`web/<webId>/…`): it appears in
   * URLs and logs, so it is not the token; the proxy still wants the token
   * (a cookie scoped to that path) with every request.
   */
  readonly webId = randomBytes(12).toString('base64url');
  /** Upstream connections the web proxy holds open for this session now. */
  webConnections = 0;
  readonly item: PlaygroundItem;
  /** Public id in wide events and logs (the token never leaves the server). */
  readonly eventId = randomBytes(6).toString('hex');
  /** Wide events (`lab serve --events`): set by the server; none when unset. */
  onEvent: ((event: ServeEvent) => void) | undefined;
  readonly createdAt = Date.now();
  lastActivity = Date.now();
  /** Last time a socket was attached (or the session was created). */
  lastConnected = Date.now();
  attempt = 0;
  position: number | undefined;
  #state: SessionState = 'queued';
  #detail: string | undefined;
  #provider: Provider;
  #playground: RunningPlayground | undefined;
  #engine: TaskEngine | undefined;
  #terminals = new Map<string, TerminalChannel>();
  #sockets = new Set<WebSocket>();
  #starting: Promise<void> | undefined;
  /** From the call that asks for machines until they are up (or failed): one boot at a time. */
  #booting = false;
  #onState: (session: PlaygroundSession) => void;
  /** Ms from start() to the first task status of this attempt (metrics, bench). */
  firstStatusMs: number | undefined;
  bootMs: number | undefined;

  #onSlowClient: () => void;
  #terminalBacklogBytes: number;

  constructor(item: PlaygroundItem, provider: Provider, onState: (session: PlaygroundSession) => void, onSlowClient: () => void = () => {}, terminalBacklogBytes: number = SOCKET_LIMITS.terminalBacklogBytes) {
    this.item = item;
    this.#provider = provider;
    this.#onState = onState;
    this.#onSlowClient = onSlowClient;
    this.#terminalBacklogBytes = terminalBacklogBytes;
  }

  get state(): SessionState {
    return this.#state;
  }

  /** Holds (or is about to hold) machines: counts against the global limit. */
  get active(): boolean {
    return this.#booting || this.#state === 'starting' || this.#state === 'running';
  }

  /** Machines are being torn down or booted for an attempt: a second restart must wait. */
  get booting(): boolean {
    return this.#booting;
  }

  /** The machines of the current attempt (none while queued, failed or stopped). */
  get machines(): readonly Machine[] {
    return this.#playground?.machines ?? [];
  }

  get machineCount(): number {
    return this.#playground?.machines.filter((m) => m.state === 'ready').length ?? 0;
  }

  get connections(): number {
    let n = this.#sockets.size;
    for (const t of this.#terminals.values()) n += t.connections;
    return n;
  }

  touch(): void {
    this.lastActivity = Date.now();
  }

  snapshot(): Extract<SessionMessage, { type: 'snapshot' }> {
    const engine = this.#engine?.snapshot();
    return {
      type: 'snapshot',
      state: this.#state,
      attempt: this.attempt,
      ...(this.#detail ? { detail: this.#detail } : {}),
      ...(this.position !== undefined ? { position: this.position } : {}),
      playground: engine?.playground,
      machines: this.item.machines.map((m) => ({ name: m.name, terminal: m.terminal })),
      tasks: engine?.tasks ?? [],
      webId: this.webId,
    };
  }

  setQueued(position: number): void {
    this.position = position;
    if (this.attempt === 0 && position === 1) this.#wide({ type: 'session', state: 'queued', ageMs: Date.now() - this.createdAt, tasksCompleted: 0 });
    this.#sendToAll({ type: 'session', state: 'queued', attempt: this.attempt, position, at: Date.now() });
  }

  /** Boots the playground (fresh machines), runs init, starts the checks. */
  start(): Promise<void> {
    if (this.#state === 'stopped') {
      this.#booting = false;
      return Promise.resolve();
    }
    this.#booting = true;
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    let engine: TaskEngine | undefined;
    try {
      engine = await this.#boot();
    } catch (error) {
      // Nobody awaits a start (the server fires it): a throw here would be an unhandled rejection.
      await this.#teardown(messageOf(error)).catch(() => {});
    } finally {
      this.#booting = false;
    }
    if (!engine) return;
    const ok = await engine.runInit().catch(() => false);
    if (this.#engine !== engine) return;
    if (ok) engine.start();
  }

  /** Provisions the machines, copies the startup files, opens terminals and sets up the engine. */
  async #boot(): Promise<TaskEngine | undefined> {
    this.attempt++;
    this.position = undefined;
    this.firstStatusMs = undefined;
    this.#setState('starting');
    const attempt = this.attempt;
    const t0 = performance.now();
    let playground: RunningPlayground;
    try {
      playground = await this.#provider.provision({ machines: this.item.machines.map(({ name, image, definition, memoryMiB, cpus, address }) => ({ name, ...(image ? { image } : {}), ...(definition ? { definition } : {}), ...(memoryMiB ? { memoryMiB } : {}), ...(cpus ? { cpus } : {}), ...(address ? { address } : {}) })) });
    } catch (error) {
      this.#wide({ type: 'machine', step: 'provision', machines: this.item.machines.map((m) => m.name), durationMs: performance.now() - t0, ok: false, error: messageOf(error) });
      if (this.attempt === attempt) this.#setState('failed', messageOf(error));
      return undefined;
    }
    this.#wide({ type: 'machine', step: 'provision', machines: playground.machines.map((m) => m.name), durationMs: performance.now() - t0, ok: true });
    // Stopped (or restarted) while the machines booted: they are not ours to keep.
    if (this.#state === 'stopped' || this.attempt !== attempt) {
      await playground.dispose();
      return undefined;
    }
    this.#playground = playground;
    this.bootMs = performance.now() - t0;
    for (const m of playground.machines) {
      m.onStateChange((state, detail) => {
        // A crashed VM: free the rest of the playground now, keep the session for a restart.
        if (state === 'failed' && this.#playground === playground) void this.#teardown(`machine ${m.name} stopped: ${detail ?? 'failed'}`);
      });
    }
    const t1 = performance.now();
    try {
      await applyStartupFiles(this.item, playground);
    } catch (error) {
      this.#wide({ type: 'machine', step: 'startup-files', machines: playground.machines.map((m) => m.name), durationMs: performance.now() - t1, ok: false, error: messageOf(error) });
      await this.#teardown(messageOf(error));
      return undefined;
    }
    this.#wide({ type: 'machine', step: 'startup-files', machines: playground.machines.map((m) => m.name), durationMs: performance.now() - t1, ok: true });
    for (const spec of this.item.machines) {
      if (!spec.terminal) continue;
      this.#terminals.set(spec.name, new TerminalChannel(playground.machine(spec.name), { user: spec.user, ...(spec.welcome ? { welcome: spec.welcome } : {}), onActivity: () => this.touch(), onSlowClient: this.#onSlowClient, backlogBytes: this.#terminalBacklogBytes }));
    }
    const engine = new TaskEngine({ tasks: this.item.tasks, playground, ...(this.item.conditions ? { conditions: this.item.conditions } : {}), ...(this.item.destinations ? { destinations: this.item.destinations } : {}) });
    this.#engine = engine;
    const kinds = new Map(engine.snapshot().tasks.map((x) => [x.name, x.kind]));
    engine.subscribe((event) => {
      if (this.#engine !== engine) return;
      if (event.type === 'result') {
        const kind = kinds.get(event.task) ?? 'regular';
        this.#wide({ type: 'task-run', task: event.task, kind, machine: event.machine, script: event.script, phase: kind === 'init' ? 'init' : 'checks', attempt: event.attempt, exitCode: event.exitCode, timedOut: event.timedOut, truncated: event.truncated, durationMs: event.durationMs, stdoutBytes: Buffer.byteLength(event.stdout), stderrBytes: Buffer.byteLength(event.stderr) });
      }
      if (event.type === 'machine') this.#wide({ type: 'machine', step: 'state', machines: [event.machine], state: event.state, durationMs: 0, ok: event.state !== 'failed' });
      if (event.type === 'task' && this.firstStatusMs === undefined && event.kind === 'regular') this.firstStatusMs = performance.now() - t0;
      // Check output and results stay on the server: they may hold what the
      // author keeps from the learner (expected values, secrets of the init).
      if (event.type === 'task' || event.type === 'hint' || event.type === 'playground' || event.type === 'machine') this.#sendToAll(event);
    });
    this.#setState('running');
    this.#sendToAll(this.snapshot());
    return engine;
  }

  /**
   * A fresh attempt on fresh machines (after a failcheck failure or a crash).
   * False, and nothing happens, while a boot or another restart is in
   * flight: thirty clicks are one restart, not thirty playgrounds.
   */
  restart(): boolean {
    if (this.#state === 'stopped' || this.#booting) return false;
    this.#booting = true;
    this.#starting = (async () => {
      try {
        await this.#teardown(undefined, false);
      } catch (error) {
        this.#booting = false;
        this.#setState('failed', messageOf(error));
        return;
      }
      await this.start();
    })();
    return true;
  }

  /** Sends an answer of a `user-input-task` to the checks (`x(.input)`). */
  setInput(task: string, value: string): boolean {
    if (!this.#engine || !(task in this.item.tasks)) return false;
    this.#engine.setInput(task, value);
    this.touch();
    return true;
  }

  attachEvents(ws: WebSocket): void {
    if (this.#sockets.size >= SOCKET_LIMITS.socketsPerChannel) {
      ws.close(CLOSE_TOO_MANY, 'too many connections to this session');
      return;
    }
    this.#sockets.add(ws);
    this.lastConnected = Date.now();
    ws.send(JSON.stringify(this.snapshot()));
    ws.on('close', () => {
      this.#sockets.delete(ws);
      this.lastConnected = Date.now();
    });
    ws.on('message', () => this.touch());
  }

  attachTerminal(machine: string, ws: WebSocket, size?: { cols: number; rows: number }): boolean {
    const channel = this.#terminals.get(machine);
    if (!channel) return false;
    this.lastConnected = Date.now();
    channel.attach(ws, size);
    ws.on('close', () => (this.lastConnected = Date.now()));
    return true;
  }

  /** Stops everything: machines, engine, terminals, sockets. Safe to call twice. */
  async stop(reason: string): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#detail = reason;
    this.#setState('stopped', reason);
    await this.#teardown(reason, false);
    for (const ws of this.#sockets) ws.close(1000, closeReason(reason));
    this.#sockets.clear();
    await this.#starting?.catch(() => {});
  }

  async #teardown(failure: string | undefined, markFailed = true): Promise<void> {
    const engine = this.#engine;
    const playground = this.#playground;
    this.#engine = undefined;
    this.#playground = undefined;
    for (const t of this.#terminals.values()) t.close(failure ?? 'restarting');
    this.#terminals.clear();
    await engine?.stop();
    if (markFailed && failure !== undefined && this.#state !== 'stopped') this.#setState('failed', failure);
    if (!playground) return;
    const t0 = performance.now();
    try {
      await playground.dispose();
      this.#wide({ type: 'machine', step: 'dispose', machines: playground.machines.map((m) => m.name), durationMs: performance.now() - t0, ok: true });
    } catch (error) {
      this.#wide({ type: 'machine', step: 'dispose', machines: playground.machines.map((m) => m.name), durationMs: performance.now() - t0, ok: false, error: messageOf(error) });
      throw error;
    }
  }

  #wide(body: ServeEventBody): void {
    if (!this.onEvent) return;
    try {
      this.onEvent({ time: new Date().toISOString(), session: this.eventId, item: this.item.id, sessionAttempt: this.attempt, conditions: describeConditions(this.item.conditions ?? {}), ...body } as ServeEvent);
    } catch {
      // A log sink that throws must not take a learner's session down with it.
    }
  }

  #setState(state: SessionState, detail?: string): void {
    if (this.#state === 'stopped') return;
    this.#state = state;
    this.#detail = detail;
    this.#wide({ type: 'session', state, ...(detail ? { detail } : {}), ageMs: Date.now() - this.createdAt, tasksCompleted: this.#engine?.snapshot().tasks.filter((t) => t.kind === 'regular' && t.status === 'completed').length ?? 0 });
    this.#sendToAll({ type: 'session', state, attempt: this.attempt, ...(detail ? { detail } : {}), at: Date.now() });
    this.#onState(this);
  }

  #sendToAll(message: SessionMessage): void {
    const text = JSON.stringify(message);
    for (const ws of this.#sockets) {
      if (ws.readyState === ws.OPEN && !sendBounded(ws, text, SOCKET_LIMITS.eventsBacklogBytes)) {
        this.#sockets.delete(ws);
        this.#onSlowClient();
      }
    }
  }
}

export async function applyStartupFiles(item: PlaygroundItem, playground: RunningPlayground): Promise<void> {
  for (const m of item.machines) {
    for (const file of m.startupFiles) {
      const machine = playground.machine(m.name);
      if (file.append) {
        const tmp = `/run/labkit/append-${newToken().slice(0, 12)}`;
        await machine.copyIn({ path: tmp, content: file.content });
        await machine.exec({ script: `cat '${tmp}' >> '${file.path.replace(/'/g, `'\\''`)}' && rm -f '${tmp}'`, timeoutMs: 10_000 });
      } else await machine.copyIn({ path: file.path, content: file.content, mode: file.mode ?? 0o644, owner: file.owner ?? 'root' });
    }
  }
}

function messageOf(error: unknown): string {
  return isLabkitError(error) ? error.message : error instanceof Error ? error.message : String(error);
}
