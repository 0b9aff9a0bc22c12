import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { VmPool } from '../pool/vm-pool.ts';
import type { Provider } from '../provider.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import { TrackedQemuProvider } from './tracked-qemu.ts';
import { claimRunDir, type RunDir } from './run-dir.ts';
import type { ContentStore } from '@labkit/sdk';
import { contentCatalog, storeCatalog, type PlaygroundCatalog, type PlaygroundMachine } from './catalog.ts';
import { PlaygroundServer, type ServerLimits } from './playground-server.ts';

export interface DevPlaygroundsOptions {
  /** The content folder `lab dev` watches. */
  dir: string;
  /**
   * `lab dev`'s content store (its one graph): sessions start from its
   * current graph, so edits apply to the next one. Without it the folder is
   * loaded once, on the first session.
   */
  store?: ContentStore;
  /** Default `/__lab/runtime/`. */
  prefix?: string;
  /**
   * Idle machines kept started once a page with a playground was opened
   * (default 1), like that page's machine: a Docker challenge gets a pool of
   * docker machines (restored from saved state, the docker CLI run once).
   */
  poolSize?: number;
  provider?: Provider;
  catalog?: PlaygroundCatalog;
  limits?: ServerLimits;
}

export interface DevPlaygrounds {
  prefix: string;
  server: PlaygroundServer;
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  hasPlayground(itemId: string): Promise<boolean>;
  /** Web tab paths: the proxy checks the session cookie itself, so the preview's secret is not asked for (Host and Origin still are). */
  authenticatesItself(pathname: string): boolean;
  /** Where this server's VMs keep their sockets and logs (once one has booted). */
  readonly runDir: string | undefined;
  /** Stops every session and the pool: no VM outlives `lab dev`. */
  close(): Promise<void>;
}

/**
 * The playground runtime as `lab dev` mounts it (see `playgroundDevMount` in
 * @labkit/site/dev). Nothing boots until a page with a playground is opened;
 * then the pool warms up so "Start playground" rarely waits for a boot.
 */
export function devPlaygrounds(options: DevPlaygroundsOptions): DevPlaygrounds {
  const catalog = options.catalog ?? (options.store ? storeCatalog(options.store) : contentCatalog(options.dir));
  let pool: VmPool | undefined;
  let provider = options.provider;
  let lazy: Promise<Provider> | undefined;
  let run: RunDir | undefined;
  const qemu = new TrackedQemuProvider();
  const realProvider = (like?: PlaygroundMachine): Promise<Provider> =>
    (lazy ??= (async () => {
      if (provider) return provider;
      run = await claimRunDir('labkit-dev-');
      const size = options.poolSize ?? 1;
      if (size <= 0) return qemu;
      pool = new VmPool(qemu, { size, ...poolOf(like) });
      void pool.fill();
      return new QemuProvider({ pool, accel: await qemu.accelerator() });
    })());
  // The server asks for machines through this, so the pool starts on demand.
  const deferred: Provider = {
    name: 'qemu',
    provision: async (spec) => (await realProvider()).provision(spec),
  };
  const server = new PlaygroundServer({ catalog, provider: provider ?? deferred, poolIdle: () => pool?.idle ?? 0, prefix: options.prefix ?? '/__lab/runtime/', allowOrigins: 'same-origin', ...(options.limits ? { limits: options.limits } : {}) });
  return {
    prefix: server.prefix,
    server,
    handle: (req, res) => server.handle(req, res),
    upgrade: (req, socket, head) => server.upgrade(req, socket, head),
    authenticatesItself: (pathname) => server.ownsWebPath(pathname),
    get runDir() {
      return run?.path;
    },
    async hasPlayground(itemId) {
      const item = await catalog.get(itemId);
      // The pool keeps machines like the first playground page opened (an author works on one challenge at a time).
      if (item && !provider) void realProvider(item.machines.length === 1 ? item.machines[0] : undefined).catch(() => {});
      return item !== undefined;
    },
    async close() {
      await server.close();
      await pool?.dispose();
      await qemu.disposeInflight();
      await run?.release();
      provider = undefined;
    },
  };
}

/**
 * Pool options for machines like `m`: its built-in image and RAM. Under TCG
 * a restored machine's first docker command takes seconds (an empty
 * translation cache), so pooled machines that have the docker CLI run it
 * once before a learner takes them.
 */
function poolOf(m: PlaygroundMachine | undefined): { kind?: string; memoryMiB?: number; warm?: string } {
  // A repository's own definition is never pooled (the provider serves only built-ins from the pool).
  if (!m || m.definition || !m.image || m.image === 'busybox') return {};
  return { kind: m.image, ...(m.memoryMiB ? { memoryMiB: m.memoryMiB } : {}), warm: 'if command -v docker >/dev/null; then docker ps >/dev/null 2>&1; docker inspect labkit-warm >/dev/null 2>&1; fi; true' };
}
