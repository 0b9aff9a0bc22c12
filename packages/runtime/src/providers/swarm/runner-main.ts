import { readFileSync } from 'node:fs';
import type { GuestImage } from '../../image/build-image.ts';
import type { QemuMachine } from '../qemu/qemu-machine.ts';
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
  // The guest images built into the runner image (it cannot build any).
  const images = JSON.parse(readFileSync(process.env.LABKIT_RUNNER_IMAGES ?? '/opt/labkit/images.json', 'utf8')) as Record<string, GuestImage>;
  const qemu = new QemuProvider({ images });
  const kind = process.env.LABKIT_RUNNER_POOL_KIND ?? 'busybox';
  // One playground per runner: machines booted ahead are taken once and never replaced
  // (a VmPool would boot a replacement that nobody will ever take).
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
  const ahead = Array.from({ length: size }, (_, i) => qemu.bootMachine(`pool-${i + 1}`, kind));
  // A failed boot ahead is replaced by a cold boot at provision time; the service log says why it failed.
  for (const boot of ahead) boot.then((m) => log(`booted ${m.name} ahead`), (error: Error) => log(`booting a machine ahead failed: ${error.message}`));
  const pool = {
    async take(k: string): Promise<QemuMachine | undefined> {
      if (k !== kind) return undefined;
      const next = ahead.shift();
      return next?.catch(() => undefined);
    },
    async dispose(): Promise<void> {
      await Promise.all(ahead.splice(0).map((b) => b.then((m) => m.dispose(), () => {})));
    },
  };
  const provider = size > 0 ? new QemuProvider({ images, pool, accel: await qemu.accelerator() }) : qemu;
  const runner = await startRunner({
    secret,
    provider,
    onLog: log,
    onDisposed: () => void pool.dispose().finally(() => process.exit(0)),
  });
  log(`runner listening on ${runner.port}`);
  // Swarm sends SIGTERM when the node is drained (or the service removed): the replica hears why first.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void runner.close(`its runner got ${signal}`).then(() => pool.dispose()).finally(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`runner failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
