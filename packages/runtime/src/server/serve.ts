import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RuntimeErrors } from '../errors.ts';
import type { ImageKind } from '../image/build-image.ts';
import { VmPool } from '../pool/vm-pool.ts';
import type { Provider } from '../provider.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import { TrackedQemuProvider } from './tracked-qemu.ts';
import { claimRunDir } from './run-dir.ts';
import { contentCatalog, type PlaygroundCatalog } from './catalog.ts';
import { PlaygroundServer, type ServerLimits } from './playground-server.ts';
import type { ServeEvent } from './serve-events.ts';
import { Replicas, type ReplicaOptions, type SharedPool } from './replicas.ts';

export interface ServeOptions {
  /** Content folder whose items' playgrounds are served. */
  dir: string;
  /** Default 127.0.0.1: exposing the runtime is a decision, not an accident. */
  host?: string;
  /** Default 7400; 0 picks a free port. */
  port?: number;
  /** Defaults as `PlaygroundServer`'s, except `maxSessionsPerClient`: `DEFAULT_MAX_SESSIONS_PER_CLIENT`. */
  limits?: ServerLimits;
  /** Pre-booted idle machines (default 1; 0 disables the pool). */
  poolSize?: number;
  /** Origins of the site(s) allowed to use this server (others get 403 on every route and WebSocket); default any. */
  allowOrigins?: string[];
  /** Behind a reverse proxy: client addresses come from X-Forwarded-For. */
  trustProxy?: boolean;
  /** Public host names web tabs may be opened on (besides loopback), e.g. `play.acme.dev` behind a reverse proxy. */
  webHosts?: string[];
  /** Default: QEMU (KVM when the canary proves it, else TCG) with a pool. */
  provider?: Provider;
  catalog?: PlaygroundCatalog;
  onLog?: (line: string) => void;
  /** Append one wide event a line (JSON) to this file: session state changes, machine lifecycle steps, task runs. */
  events?: string;
  /** Wide events as objects (what `events` writes). */
  onEvent?: (event: ServeEvent) => void;
  /** One of several replicas sharing sessions, limits and the pool in Redis (docs/scale-out.md). */
  shared?: ReplicaOptions;
}

export interface ServeHandle {
  url: string;
  port: number;
  host: string;
  server: Server;
  playgrounds: PlaygroundServer;
  /** Every VM's socket and log lives under this folder; it is removed on close, and by a reaper if the server is killed. */
  runDir: string;
  /** Stops every session (no VM left behind), the pool, and the listener. */
  close(): Promise<void>;
}

export const DEFAULT_SERVE_PORT = 7400;

/**
 * Sessions (running or queued) one client address may hold in `lab serve`
 * unless told otherwise: a learner with a few tabs, not one browser taking
 * every slot and the queue. Behind a reverse proxy without `trustProxy`
 * every learner has the proxy's address, so this would cap the whole site.
 */
export const DEFAULT_MAX_SESSIONS_PER_CLIENT = 3;

/** `lab serve`: the playground server for a published site. */
export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const host = options.host ?? '127.0.0.1';
  const log = options.onLog ?? (() => {});
  const sink = options.events ? await openEventSink(options.events) : undefined;
  const run = await claimRunDir('labkit-serve-');
  const runDir = run.path;
  const cleanup = () => run.release();
  const catalog = options.catalog ?? contentCatalog(options.dir);
  const onEvent = sink || options.onEvent ? (event: ServeEvent) => {
    options.onEvent?.(event);
    sink?.write(`${JSON.stringify(event)}\n`);
  } : undefined;
  let pool: VmPool | undefined;
  let provider = options.provider;
  const qemu = new TrackedQemuProvider();
  if (!provider) {
    const size = options.poolSize ?? 1;
    if (size > 0) {
      pool = new VmPool(qemu, { size, kind: 'busybox' satisfies ImageKind });
      provider = new QemuProvider({ pool, accel: await qemu.accelerator() });
      void pool.fill();
    } else provider = qemu;
  }
  let replicas: Replicas | undefined;
  const playgrounds = new PlaygroundServer({ catalog, provider, ...(options.shared ? { onSession: (event: 'created' | 'stopped', session: Parameters<Replicas['onSession']>[1], client: string) => replicas?.onSession(event, session, client) } : {}), ...(onEvent ? { onEvent } : {}), poolIdle: () => pool?.idle ?? 0, onError: (error) => log(`request failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`), ...(options.trustProxy ? { trustProxy: true } : {}), limits: { maxSessionsPerClient: DEFAULT_MAX_SESSIONS_PER_CLIENT, ...options.limits }, ...(options.allowOrigins ? { allowOrigins: options.allowOrigins } : {}), ...(options.webHosts ? { webHosts: options.webHosts } : {}) });
  const server = createServer((req, res) => {
    (replicas ? replicas.handle(req, res) : Promise.resolve(false)).then((elsewhere) => (elsewhere ? true : playgrounds.handle(req, res))).then(
      (handled) => {
        if (!handled) res.writeHead(404).end();
      },
      (error: unknown) => {
        log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  });
  server.on('upgrade', (req, socket, head) => {
    // Node hands an upgrade socket over with no error listener of its own.
    socket.on('error', () => socket.destroy());
    if (!replicas) {
      if (!playgrounds.upgrade(req, socket, head)) socket.destroy();
      return;
    }
    replicas.upgrade(req, socket, head).then(
      (elsewhere) => elsewhere || playgrounds.upgrade(req, socket, head) || socket.destroy(),
      () => socket.destroy(),
    );
  });
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? RuntimeErrors.PortInUse(options.port ?? DEFAULT_SERVE_PORT, host) : error));
      server.listen(options.port ?? DEFAULT_SERVE_PORT, host, () => resolve((server.address() as AddressInfo).port));
    });
  } catch (error) {
    sink?.end();
    await playgrounds.close();
    await pool?.dispose();
    await qemu.disposeInflight();
    await cleanup();
    throw error;
  }
  // An 'error' event with no listener ends the process; past listen, log it and keep serving.
  server.on('error', (error) => log(`server error: ${error.message}`));
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${port}/`;
  if (options.shared) {
    const pool = provider as Partial<SharedPool>;
    replicas = new Replicas({ ...options.shared, url: `http://${options.shared.advertiseHost ?? shown}:${port}/`, ...(typeof pool.reap === 'function' ? { pool: pool as SharedPool } : {}), ...(options.trustProxy ? { trustProxy: true } : {}), onLog: log });
    await replicas.start(playgrounds);
  }
  log(`lab serve: playground server on ${url} (${new Set((await catalog.items?.())?.values()).size} items with a playground; run dir ${runDir})`);
  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    host,
    server,
    playgrounds,
    runDir,
    close() {
      closing ??= (async () => {
        await playgrounds.close();
        await replicas?.close();
        await pool?.dispose();
        await qemu.disposeInflight();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await cleanup();
        // Last: the sessions' stop and dispose events are written before the file is closed.
        if (sink) await new Promise<void>((resolve) => sink.end(resolve));
      })();
      return closing;
    },
  };
}

/** The events file, opened for appending (a restarted server adds to it); an unwritable path fails before listening. */
async function openEventSink(file: string): Promise<WriteStream> {
  const stream = createWriteStream(file, { flags: 'a' });
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', (error: NodeJS.ErrnoException) => reject(RuntimeErrors.EventsFileUnwritable(file, error.code ?? error.message)));
  });
  // A disk that fills up later must not end the server: the events stop, the playgrounds do not.
  stream.on('error', () => {});
  return stream;
}
