import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { VmPool } from '../pool/vm-pool.ts';
import type { Provider } from '../provider.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import { TrackedQemuProvider } from './tracked-qemu.ts';
import { claimRunDir, type RunDir } from './run-dir.ts';
import type { ContentStore } from '@labkit/sdk';
import { contentCatalog, storeCatalog, type PlaygroundCatalog } from './catalog.ts';
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
  /** Idle machines kept booted once a page with a playground was opened (default 1). */
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
  const realProvider = (): Promise<Provider> =>
    (lazy ??= (async () => {
      if (provider) return provider;
      run = await claimRunDir('labkit-dev-');
      const size = options.poolSize ?? 1;
      if (size <= 0) return qemu;
      pool = new VmPool(qemu, { size });
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
      const found = (await catalog.get(itemId)) !== undefined;
      if (found && !provider) void realProvider().catch(() => {});
      return found;
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
