import type { ImageKind } from '../image/build-image.ts';
import type { QemuMachine } from '../providers/qemu/qemu-machine.ts';
import type { QemuProvider } from '../providers/qemu/qemu-provider.ts';

export interface VmPoolOptions {
  /** Machines kept booted and idle (default 2). */
  size?: number;
  kind?: ImageKind;
}

/**
 * Keeps `size` machines booted and idle so a learner's first check does
 * not pay for the boot. `take()` hands one out at once (or undefined when
 * the pool is empty; the provider then boots one) and starts booting its
 * replacement in the background. Pass the pool to `new QemuProvider({ pool })`.
 */
export class VmPool {
  #provider: QemuProvider;
  #size: number;
  #kind: ImageKind;
  #idle: QemuMachine[] = [];
  #booting = 0;
  #closed = false;
  #seq = 0;
  #waiters: Array<() => void> = [];
  /** The last background boot failure, if any (boots are retried on the next take). */
  lastError: unknown;

  constructor(provider: QemuProvider, options: VmPoolOptions = {}) {
    this.#provider = provider;
    this.#size = options.size ?? 2;
    this.#kind = options.kind ?? 'busybox';
  }

  get idle(): number {
    return this.#idle.length;
  }

  /** Starts filling; resolves when every slot holds a booted machine. */
  async fill(): Promise<void> {
    this.#refill();
    while (!this.#closed && this.#booting > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async take(kind: ImageKind): Promise<QemuMachine | undefined> {
    if (kind !== this.#kind || this.#closed) return undefined;
    let machine: QemuMachine | undefined;
    while ((machine = this.#idle.shift())) {
      if (machine.state === 'ready') break; // an idle VM may have died meanwhile
      void machine.dispose();
    }
    this.#refill();
    return machine;
  }

  async dispose(): Promise<void> {
    this.#closed = true;
    const idle = this.#idle.splice(0);
    await Promise.all(idle.map((m) => m.dispose()));
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #refill(): void {
    while (!this.#closed && this.#idle.length + this.#booting < this.#size) {
      this.#booting++;
      this.#provider
        .bootMachine(`pool-${++this.#seq}`, this.#kind)
        .then(
          async (machine) => {
            if (this.#closed) await machine.dispose();
            else this.#idle.push(machine);
          },
          (error: unknown) => {
            this.lastError = error;
          },
        )
        .finally(() => {
          this.#booting--;
          for (const wake of this.#waiters.splice(0)) wake();
        });
    }
  }
}
