import type { ImageKind } from '../image/build-image.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import type { MachineNetwork, QemuMachine } from '../providers/qemu/qemu-machine.ts';

/**
 * A QEMU provider that remembers the boots in flight, so a server that
 * closes while its pool is still booting a replacement can wait for that
 * machine and stop it too (VmPool.dispose() frees idle machines, not ones
 * that are still booting).
 */
export class TrackedQemuProvider extends QemuProvider {
  #inflight = new Set<Promise<QemuMachine>>();

  override bootMachine(name: string, kind?: ImageKind, network?: MachineNetwork, options?: Parameters<QemuProvider['bootMachine']>[3]): Promise<QemuMachine> {
    const boot = super.bootMachine(name, kind, network, options);
    this.#inflight.add(boot);
    const forget = () => this.#inflight.delete(boot);
    boot.then(forget, forget);
    return boot;
  }

  /** Waits for every boot in flight and stops what it produced. */
  async disposeInflight(): Promise<void> {
    const boots = [...this.#inflight];
    const settled = await Promise.allSettled(boots);
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.dispose() : undefined)));
  }
}
