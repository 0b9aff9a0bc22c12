import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RuntimeErrors } from '../../errors.ts';
import { buildImage, type GuestImage, type ImageKind } from '../../image/build-image.ts';
import type { Machine, PlaygroundSpec, Provider, RunningPlayground } from '../../provider.ts';
import { chooseAccelerator } from './accelerator.ts';
import { EthernetSwitch } from './ethernet-switch.ts';
import { QemuMachine, type Accelerator, type MachineNetwork } from './qemu-machine.ts';

export interface QemuProviderOptions {
  /** Images by kind; built (once, cached) on first use when absent. */
  images?: Partial<Record<ImageKind, GuestImage>>;
  /** Force an accelerator instead of the canary's verdict. */
  accel?: Accelerator;
  memoryMiB?: number;
  bootTimeoutMs?: number;
  watchdogGraceMs?: number;
  /** Hands out pre-booted machines (see VmPool). */
  pool?: { take(kind: ImageKind): Promise<QemuMachine | undefined> };
}

/** QEMU microVMs: KVM when the canary proves it, else TCG (`-cpu max`). */
export class QemuProvider implements Provider {
  readonly name = 'qemu';
  #options: QemuProviderOptions;

  constructor(options: QemuProviderOptions = {}) {
    this.#options = options;
  }

  async image(kind: ImageKind): Promise<GuestImage> {
    return this.#options.images?.[kind] ?? buildImage({ kind });
  }

  async accelerator(): Promise<Accelerator> {
    return this.#options.accel ?? chooseAccelerator(await this.image('busybox'));
  }

  /** Boots one machine outside any playground (the pool uses this). */
  async bootMachine(name: string, kind: ImageKind = 'busybox', network?: MachineNetwork): Promise<QemuMachine> {
    const image = await this.image(kind);
    const accel = await this.accelerator();
    return QemuMachine.boot({
      name,
      image,
      accel,
      ...(this.#options.memoryMiB ? { memoryMiB: this.#options.memoryMiB } : {}),
      ...(this.#options.bootTimeoutMs ? { bootTimeoutMs: this.#options.bootTimeoutMs } : {}),
      ...(this.#options.watchdogGraceMs !== undefined ? { watchdogGraceMs: this.#options.watchdogGraceMs } : {}),
      ...(network ? { network } : {}),
    });
  }

  async provision(spec: PlaygroundSpec): Promise<RunningPlayground> {
    const multi = spec.machines.length > 1;
    // Machines of one playground share an L2 segment: a learning switch in
    // this process on a unix socket in a private (0700) folder. It needs no
    // root, no bridge and no tap device, and no frame can leave the host.
    const net = multi ? await openSwitch() : undefined;
    const prefix = randomInt(0, 0xffff).toString(16).padStart(4, '0');
    const booted: QemuMachine[] = [];
    try {
      await Promise.all(
        spec.machines.map(async (m, i) => {
          const kind = m.image ?? 'busybox';
          if (!multi) {
            const pooled = await this.#options.pool?.take(kind);
            if (pooled) {
              await pooled.rename(m.name);
              booted[i] = pooled;
              return;
            }
          }
          const network = multi
            ? { address: m.address ?? `10.0.0.${i + 2}/24`, switchPath: net!.switch.path, mac: `52:54:${prefix.slice(0, 2)}:${prefix.slice(2)}:00:${(i + 2).toString(16).padStart(2, '0')}` }
            : undefined;
          booted[i] = await this.bootMachine(m.name, kind, network);
        }),
      );
      if (multi) {
        const hosts = spec.machines.map((m, i) => `${(m.address ?? `10.0.0.${i + 2}/24`).split('/')[0]} ${m.name}`).join('\n');
        await Promise.all(booted.map((vm) => vm.copyIn({ path: '/etc/hosts', content: `127.0.0.1 localhost\n${hosts}\n` })));
      }
    } catch (error) {
      await Promise.all(booted.filter(Boolean).map((vm) => vm.dispose()));
      await net?.close();
      throw error;
    }
    return playgroundOf(booted, net?.close);
  }
}

/** A switch on `<private dir>/switch.sock`; `close()` stops it and removes the folder. */
async function openSwitch(): Promise<{ switch: EthernetSwitch; close: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-net-'));
  try {
    const sw = await EthernetSwitch.listen(path.join(dir, 'switch.sock'));
    let closed: Promise<void> | undefined;
    return {
      switch: sw,
      close: () =>
        (closed ??= (async () => {
          await sw.close();
          await rm(dir, { recursive: true, force: true });
        })()),
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A playground of `machines`; `cleanup` runs after they are all disposed (the network switch). */
export function playgroundOf(machines: Machine[], cleanup?: () => Promise<void>): RunningPlayground {
  return {
    machines,
    machine(name: string): Machine {
      const found = machines.find((m) => m.name === name);
      if (!found) throw RuntimeErrors.MachineNotFound(name, machines.map((m) => m.name));
      return found;
    },
    async dispose() {
      await Promise.all(machines.map((m) => m.dispose()));
      await cleanup?.();
    },
  };
}
