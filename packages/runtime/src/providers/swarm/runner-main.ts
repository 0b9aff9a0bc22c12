import { readFileSync } from 'node:fs';
import { VmPool } from '../../pool/vm-pool.ts';
import { QemuProvider } from '../qemu/qemu-provider.ts';
import { startRunner } from './runner.ts';

/**
 * The runner image's entry point (bundled into `/opt/labkit/runner.mjs`).
 * Environment: `LABKIT_RUNNER_SECRET_FILE` (a Swarm secret, default
 * `/run/secrets/labkit-session`), `LABKIT_RUNNER_POOL` (machines booted
 * before a session claims this runner, default 1), `LABKIT_RUNNER_POOL_KIND`
 * (their image, default `busybox`).
 */
async function main(): Promise<void> {
  const secret = readFileSync(process.env.LABKIT_RUNNER_SECRET_FILE ?? '/run/secrets/labkit-session', 'utf8').trim();
  const size = Number(process.env.LABKIT_RUNNER_POOL ?? '1');
  const qemu = new QemuProvider();
  const pool = size > 0 ? new VmPool(qemu, { size, kind: process.env.LABKIT_RUNNER_POOL_KIND ?? 'busybox' }) : undefined;
  const provider = pool ? new QemuProvider({ pool, accel: await qemu.accelerator() }) : qemu;
  void pool?.fill();
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const runner = await startRunner({
    secret,
    provider,
    onLog: log,
    onDisposed: () => void pool?.dispose().finally(() => process.exit(0)),
  });
  log(`runner listening on ${runner.port}`);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void runner.close().then(() => pool?.dispose()).finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
