import type { Provider } from '@labkit/runtime';
import { loadLabConfig } from '../config/lab-config.ts';

/** The providers a command can be told to use (`--provider`, `runtime.provider` in lab.config.ts). */
export const providerNames = ['qemu', 'firecracker', 'swarm'] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * Which provider a command runs machines on: the `--provider` flag, else
 * `runtime.provider` in the project's lab.config.ts, else QEMU. QEMU comes
 * back as `undefined`: the commands keep their own QEMU set-up (the warm pool
 * of `lab serve`). Firecracker is checked before anything starts, so a host
 * without its binary or KVM fails at once with the reason and a hint
 * (`ProviderUnavailable`), not at the first learner's session.
 */
export async function selectProvider(flag: ProviderName | undefined, configDir: string): Promise<{ name: ProviderName; provider?: Provider; shared?: { redis: string; advertiseHost?: string } }> {
  const runtime = (await loadLabConfig(configDir))?.config.runtime;
  const name = flag ?? runtime?.provider ?? 'qemu';
  if (name === 'qemu') return { name };
  if (name === 'swarm') {
    const { SwarmProvider, SharedState, RuntimeErrors } = await import('@labkit/runtime');
    const swarm = runtime?.swarm;
    if (!swarm) throw RuntimeErrors.ProviderUnavailable('swarm', 'lab.config.ts has no runtime.swarm block (docker, image, network; see docs/scale-out.md)');
    const coordinator = swarm.redis ? new SharedState({ redis: swarm.redis, replica: 'pool', url: '' }) : undefined;
    await coordinator?.connect();
    const provider = new SwarmProvider({ docker: swarm.docker, image: swarm.image, network: swarm.network, ...(swarm.pool ? { pool: swarm.pool } : {}), ...(swarm.poolSize !== undefined ? { poolSize: swarm.poolSize } : {}), ...(coordinator ? { coordinator } : {}) });
    return { name, provider, ...(swarm.redis ? { shared: { redis: swarm.redis, ...(swarm.advertiseHost ? { advertiseHost: swarm.advertiseHost } : {}) } } : {}) };
  }
  const { FirecrackerProvider, RuntimeErrors } = await import('@labkit/runtime');
  const provider = new FirecrackerProvider();
  const why = await provider.unavailableReason();
  if (why) throw RuntimeErrors.ProviderUnavailable('firecracker', why);
  return { name, provider };
}
