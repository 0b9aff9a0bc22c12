import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { RunningPlayground } from '../provider.ts';
import { recordPath, type PlaygroundRecord } from './host-record.ts';
import { playgroundStateDir } from './state-dir.ts';
import { serveConnection } from './supervisor.ts';

export interface KeepPlaygroundOptions {
  playground: RunningPlayground;
  /** What ran in it (`challenge:x`). */
  target: string;
  title: string;
  /** Login user per machine (default root). */
  users?: Record<string, string>;
  failedTasks: string[];
}

export interface KeptPlaygroundHandle {
  record: PlaygroundRecord;
  /** Resolves once it is stopped (by `lab playground stop`, or `stop()`), machines gone. */
  stopped: Promise<void>;
  stop(why?: string): Promise<void>;
}

/**
 * Keeps a playground this process already runs (a failed `lab test` run)
 * reachable like one `lab playground start` made: a record and a 0600
 * control socket in the playground state folder, so `lab playground list`
 * shows it, `lab ssh`/`cp`/`port-forward` reach it, and `lab playground
 * stop` disposes it. Its machines still belong to this process: they go when
 * it stops it or exits.
 */
export async function keepPlayground(options: KeepPlaygroundOptions): Promise<KeptPlaygroundHandle> {
  const stateDir = playgroundStateDir();
  const slug = options.target.replace(/^.*[:/]/, '').replace(/[^a-z0-9-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 24) || 'playground';
  const id = `${slug}-${randomBytes(3).toString('hex')}`;
  const socketPath = path.join(stateDir, `${id}.sock`);
  const record: PlaygroundRecord = {
    id,
    target: options.target,
    title: options.title,
    pid: process.pid,
    socket: socketPath,
    machines: options.playground.machines.map((m) => ({ name: m.name, user: options.users?.[m.name] ?? 'root' })),
    startedAt: new Date().toISOString(),
    keptBy: { command: 'lab test', failedTasks: options.failedTasks },
  };
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const server = net.createServer((socket) => serveConnection(socket, options.playground, record, stop));
  function stop(): Promise<void> {
    return (stopping ??= (async () => {
      server.close();
      await options.playground.dispose().catch(() => {}); // stopping anyway: the record and socket must go
      rmSync(recordPath(stateDir, id), { force: true });
      rmSync(socketPath, { force: true });
      resolveStopped();
    })());
  }
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
  server.on('error', () => {}); // after listen, only accept errors (EMFILE): keep serving
  chmodSync(socketPath, 0o600);
  writeFileSync(recordPath(stateDir, id), JSON.stringify(record, null, 2), { mode: 0o600 });
  return { record, stopped, stop };
}
