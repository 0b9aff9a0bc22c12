import type { Provider } from '@labkit/runtime';
import { loadLabConfig } from '../config/lab-config.ts';

/** The providers a command can be told to use (`--provider`, `runtime.provider` in lab.config.ts). */
export const providerNames = ['qemu', 'firecracker'] as const;
export type ProviderName = (typeof providerNames)[number];

/**
 * Which provider a command runs machines on: the `--provider` flag, else
 * `runtime.provider` in the project's lab.config.ts, else QEMU. QEMU comes
 * back as `undefined`: the commands keep their own QEMU set-up (the warm pool
 * of `lab serve`). Firecracker is checked before anything starts, so a host
 * without its binary or KVM fails at once with the reason and a hint
 * (`ProviderUnavailable`), not at the first learner's session.
 */
export async function selectProvider(flag: ProviderName | undefined, configDir: string): Promise<{ name: ProviderName; provider?: Provider }> {
  const name = flag ?? (await loadLabConfig(configDir))?.config.runtime?.provider ?? 'qemu';
  if (name === 'qemu') return { name };
  const { FirecrackerProvider, RuntimeErrors } = await import('@labkit/runtime');
  const provider = new FirecrackerProvider();
  const why = await provider.unavailableReason();
  if (why) throw RuntimeErrors.ProviderUnavailable('firecracker', why);
  return { name, provider };
}
