import type { ImageKind } from '../image/build-image.ts';
import type { QemuMachine } from '../providers/qemu/qemu-machine.ts';
import type { QemuProvider } from '../providers/qemu/qemu-provider.ts';

export interface VmPoolOptions {
  /** Machines kept booted and idle (default 2). */
  size?: number;
  kind?: ImageKind;
  /** Guest RAM of the pooled machines (default: the provider's); only machines asking for the same are served from the pool. */
  memoryMiB?: number;
  /**
   * A script each machine runs once (as root, exit status ignored) before it
   * joins the pool. Under TCG a machine restored from saved state starts with
   * an empty translation cache, so the first run of a big program (the
   * docker CLI, dockerd answering its API) takes seconds; a warm-up that runs
   * the same code pays for that before a learner takes the machine.
   * @example "docker ps >/dev/null; docker inspect web >/dev/null 2>&1"
   */
  warm?: string;
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
  #warm: string | undefined;
  #memoryMiB: number | undefined;
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
    this.#warm = options.warm;
    this.#memoryMiB = options.memoryMiB;
  }

  get idle(): number {
    return this.#idle.length;
  }

  /** Starts filling; resolves when every slot holds a booted machine. */
  async fill(): Promise<void> {
    this.#refill();
    while (!this.#closed && this.#booting > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** A pooled machine of `kind` with `memoryMiB` of RAM (undefined: the provider's default), if one is idle. */
  async take(kind: ImageKind, memoryMiB?: number): Promise<QemuMachine | undefined> {
    if (kind !== this.#kind || memoryMiB !== this.#memoryMiB || this.#closed) return undefined;
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
        .bootMachine(`pool-${++this.#seq}`, this.#kind, undefined, this.#memoryMiB ? { memoryMiB: this.#memoryMiB } : {})
        .then(async (machine) => {
          if (!this.#warm) return machine;
          try {
            await machine.exec({ script: this.#warm, timeoutMs: 120_000 });
          } catch (error) {
            await machine.dispose();
            throw error;
          }
          return machine;
        })
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
