import path from 'node:path';
import { Option, type Command } from 'commander';
import { portNumber, wholeNumber } from '../number-flag.ts';
import { providerNames, selectProvider, type ProviderName } from '../run/select-provider.ts';

interface ServeFlags {
  port?: number;
  host?: string | boolean;
  maxSessions?: number;
  maxQueue?: number;
  maxMachines?: number;
  lifetime?: number;
  idle?: number;
  pool?: number;
  allowOrigin?: string[];
  maxPerClient?: number;
  trustProxy?: boolean;
  webHost?: string[];
  provider?: ProviderName;
  events?: string;
}

/** `lab serve [dir]`: flags only; the work is `serve()` in @labkit/runtime. */
export function register(program: Command): void {
  program
    .command('serve')
    .description('Run the playground server for a published site (HTTP + WebSocket API, a session per learner)')
    .argument('[dir]', 'content folder whose playgrounds are served', '.')
    .option('--port <port>', 'port to listen on (default 7400; 0 picks a free one)', portNumber)
    .option('--host [address]', 'listen on this address instead of 127.0.0.1 (no value: all interfaces)')
    .option('--max-sessions <n>', 'sessions running at once; more wait in a queue (default 4)', wholeNumber({ min: 1 }))
    .option('--max-queue <n>', 'sessions waiting; past this, new learners are told the server is busy (default 16)', wholeNumber())
    .option('--max-machines <n>', 'machines per session (default 4)', wholeNumber({ min: 1 }))
    .option('--lifetime <minutes>', 'a session stops this long after it started (default 60)', wholeNumber({ min: 1 }))
    .option('--idle <minutes>', 'a session stops after this long without activity (default 15)', wholeNumber({ min: 1 }))
    .option('--pool <n>', 'pre-booted idle machines (default 1; 0: none)', wholeNumber())
    .option('--allow-origin <origins...>', 'site origins allowed to use the API; other origins get 403 (default: any)')
    .option('--max-per-client <n>', 'sessions (running or queued) one client address may hold (default 3; 0: no limit)', wholeNumber())
    .option('--trust-proxy', 'behind a reverse proxy: take client addresses from X-Forwarded-For')
    .option('--web-host <names...>', 'public host names web tabs may be opened on (besides loopback), e.g. behind a reverse proxy')
    .option('--events <file>', 'append one JSON event per session state change, machine lifecycle step and task run to this file (JSON lines)')
    .addOption(new Option('--provider <name>', 'where machines run (default: runtime.provider in lab.config.ts, else qemu; firecracker is untested, see docs/runtime.md)').choices(providerNames))
    .action(async (dir: string, opts: ServeFlags) => {
      const { serve } = await import('@labkit/runtime');
      const { provider, shared } = await selectProvider(opts.provider, path.resolve(dir));
      const host = opts.host === true ? '0.0.0.0' : typeof opts.host === 'string' ? opts.host : undefined;
      const handle = await serve({
        dir,
        ...(host ? { host } : {}),
        ...(opts.port !== undefined ? { port: opts.port } : {}),
        ...(opts.pool !== undefined ? { poolSize: opts.pool } : {}),
        ...(opts.allowOrigin ? { allowOrigins: opts.allowOrigin } : {}),
        ...(opts.trustProxy ? { trustProxy: true } : {}),
        ...(opts.webHost ? { webHosts: opts.webHost } : {}),
        ...(provider ? { provider } : {}),
        ...(shared ? { shared } : {}),
        ...(opts.events ? { events: path.resolve(opts.events) } : {}),
        limits: {
          ...(opts.maxSessions ? { maxSessions: opts.maxSessions } : {}),
          ...(opts.maxQueue !== undefined ? { maxQueue: opts.maxQueue } : {}),
          ...(opts.maxMachines ? { maxMachinesPerSession: opts.maxMachines } : {}),
          ...(opts.lifetime ? { sessionLifetimeMs: opts.lifetime * 60_000 } : {}),
          ...(opts.idle ? { idleTimeoutMs: opts.idle * 60_000 } : {}),
          ...(opts.maxPerClient !== undefined ? { maxSessionsPerClient: opts.maxPerClient } : {}),
        },
        onLog: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${handle.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void handle.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
