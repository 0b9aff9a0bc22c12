import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RuntimeErrors } from '../../errors.ts';
import type { PlaygroundDefinition } from '@labkit/sdk';
import { type GuestImage, type ImageKind } from '../../image/build-image.ts';
import { playgroundImage } from '../../image/playground-image.ts';
import type { Machine, PlaygroundSpec, Provider, RunningPlayground } from '../../provider.ts';
import { chooseAccelerator } from './accelerator.ts';
import { EthernetSwitch } from './ethernet-switch.ts';
import { QemuMachine, type Accelerator, type MachineNetwork, type QemuMachineOptions } from './qemu-machine.ts';
import { SAVED_HOSTNAME, SavedStates, type SavedStateConfig } from './saved-states.ts';

export interface QemuProviderOptions {
  /** Images by playground name; built (once, cached) on first use when absent. */
  images?: Partial<Record<ImageKind, GuestImage>>;
  /** A repository's own playground definitions by name (built-ins need none). */
  definitions?: Record<string, PlaygroundDefinition>;
  /** Force an accelerator instead of the canary's verdict. */
  accel?: Accelerator;
  memoryMiB?: number;
  bootTimeoutMs?: number;
  watchdogGraceMs?: number;
  /** Hands out pre-booted machines (see VmPool). */
  pool?: { take(kind: ImageKind, memoryMiB?: number): Promise<QemuMachine | undefined> };
  /**
   * Start single machines from saved state (default: on, in
   * `~/.cache/labkit/snapshots`; `LABKIT_SNAPSHOTS=0` turns it off): the first
   * start of a configuration boots it, starts its services, saves it; later
   * ones restore from that in well under a second. `false` always cold-boots.
   */
  savedStates?: SavedStates | false;
  /** Called when a machine was restored or cold-booted, and when a state was saved (the bench and tests read it). */
  onStart?: (event: { machine: string; kind: ImageKind; how: 'restored' | 'booted' | 'saved'; ms: number }) => void;
}

/** QEMU microVMs: KVM when the canary proves it, else TCG (`-cpu max`). */
export class QemuProvider implements Provider {
  readonly name = 'qemu';
  #options: QemuProviderOptions;

  #savedStates: SavedStates | undefined;

  constructor(options: QemuProviderOptions = {}) {
    this.#options = options;
    this.#savedStates = options.savedStates === false || (options.savedStates === undefined && process.env.LABKIT_SNAPSHOTS === '0') ? undefined : (options.savedStates ?? new SavedStates());
  }

  async image(kind: ImageKind, definition?: PlaygroundDefinition): Promise<GuestImage> {
    return this.#options.images?.[kind] ?? playgroundImage(kind, definition ?? this.#options.definitions?.[kind]);
  }

  async accelerator(): Promise<Accelerator> {
    return this.#options.accel ?? chooseAccelerator(await this.image('busybox'));
  }

  /**
   * Boots one machine outside any playground (the pool uses this). Its
   * image's services are started unless `services: false` (a multi-machine
   * playground starts them once every machine knows the others' names).
   */
  async bootMachine(name: string, kind: ImageKind = 'busybox', network?: MachineNetwork, options: { services?: boolean; memoryMiB?: number; definition?: PlaygroundDefinition } = {}): Promise<QemuMachine> {
    const image = await this.image(kind, options.definition);
    const accel = await this.accelerator();
    const memoryMiB = options.memoryMiB ?? this.#options.memoryMiB;
    const base: QemuMachineOptions = {
      name,
      image,
      accel,
      ...(memoryMiB ? { memoryMiB } : {}),
      ...(this.#options.bootTimeoutMs ? { bootTimeoutMs: this.#options.bootTimeoutMs } : {}),
      ...(this.#options.watchdogGraceMs !== undefined ? { watchdogGraceMs: this.#options.watchdogGraceMs } : {}),
    };
    const started = Date.now();
    // Machines on a playground network boot cold: their network device and
    // address are part of the machine, and the saved states hold none.
    if (this.#savedStates && !network) {
      const services = options.services !== false;
      const vm = await this.#restore(base, services);
      this.#options.onStart?.({ machine: name, kind, how: 'restored', ms: Date.now() - started });
      return vm;
    }
    const vm = await QemuMachine.boot({ ...base, ...(network ? { network } : {}) });
    if (options.services !== false) await startServices(vm, image);
    this.#options.onStart?.({ machine: name, kind, how: 'booted', ms: Date.now() - started });
    return vm;
  }

  /**
   * A machine from the saved state of its configuration (saved first when
   * there is none), with its own identity. A state that does not restore
   * (truncated, or written by something else) is removed and saved again once.
   */
  async #restore(base: QemuMachineOptions, services: boolean): Promise<QemuMachine> {
    const states = this.#savedStates!;
    const config: SavedStateConfig = {
      image: base.image,
      accel: base.accel,
      memoryMiB: base.memoryMiB ?? 256,
      cpus: base.cpus ?? 1,
      tbSizeMiB: base.tbSizeMiB ?? Number(process.env.LABKIT_TB_SIZE ?? 32),
      services,
    };
    const machine = { ...base, memoryMiB: config.memoryMiB, cpus: config.cpus, tbSizeMiB: config.tbSizeMiB, bootHostname: SAVED_HOSTNAME };
    for (let attempt = 1; ; attempt++) {
      const { state, made } = await states.ensure(config, async (into) => {
        const started = Date.now();
        const template = await QemuMachine.boot({
          ...machine,
          name: `${base.name} (saving)`,
          qmp: true,
          memoryFile: { path: into.ram, share: true },
          ...(into.disk ? { rootDisk: { path: into.disk, writable: true } } : {}),
        });
        try {
          if (services) await startServices(template, base.image);
          await template.saveState(into.state);
        } finally {
          await template.dispose();
        }
        this.#options.onStart?.({ machine: base.name, kind: base.image.kind, how: 'saved', ms: Date.now() - started });
      });
      try {
        const vm = await QemuMachine.boot({
          ...machine,
          incoming: state.state,
          memoryFile: { path: state.ram, share: false },
          ...(state.disk ? { rootDisk: { path: state.disk, writable: false } } : {}),
        });
        try {
          await vm.setIdentity(base.name);
        } catch (error) {
          await vm.dispose();
          throw error;
        }
        return vm;
      } catch (error) {
        // A state just saved that does not restore is a real failure, not a stale file.
        if (made || attempt >= 2) throw error;
        await states.discard(state);
      }
    }
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
          // Pooled machines run the built-in image of that name, never a repository's own definition.
          if (!multi && !m.definition) {
            // Only a machine of the same image and RAM: a 1 GiB docker machine is never handed a 256 MiB one.
            const pooled = await this.#options.pool?.take(kind, m.memoryMiB);
            if (pooled) {
              await pooled.rename(m.name);
              booted[i] = pooled;
              return;
            }
          }
          const network = multi
            ? { address: m.address ?? `10.0.0.${i + 2}/24`, switchPath: net!.switch.path, mac: `52:54:${prefix.slice(0, 2)}:${prefix.slice(2)}:00:${(i + 2).toString(16).padStart(2, '0')}` }
            : undefined;
          booted[i] = await this.bootMachine(m.name, kind, network, { services: !multi, ...(m.memoryMiB ? { memoryMiB: m.memoryMiB } : {}), ...(m.definition ? { definition: m.definition } : {}) });
        }),
      );
      if (multi) {
        const hosts = spec.machines.map((m, i) => `${(m.address ?? `10.0.0.${i + 2}/24`).split('/')[0]} ${m.name}`).join('\n');
        await Promise.all(booted.map((vm) => vm.copyIn({ path: '/etc/hosts', content: `127.0.0.1 localhost\n${hosts}\n` })));
        // The first machine's registry is the playground's.
        const first = spec.machines[0]!.name;
        await Promise.all(booted.map(async (vm, i) => startServices(vm, await this.image(spec.machines[i]!.image ?? 'busybox', spec.machines[i]!.definition), first)));
      }
    } catch (error) {
      await Promise.all(booted.filter(Boolean).map((vm) => vm.dispose()));
      await net?.close();
      throw error;
    }
    return playgroundOf(booted, net?.close);
  }
}

/** Runs the image's boot script (its services), failing the boot when a service never gets ready. */
async function startServices(vm: QemuMachine, image: GuestImage, registryHost?: string): Promise<void> {
  if (!image.boot) return;
  const r = await vm.exec({ script: `bash ${image.boot.script}`, timeoutMs: image.boot.timeoutMs, ...(registryHost ? { env: { LABKIT_REGISTRY_HOST: registryHost } } : {}) });
  if (r.exitCode !== 0) {
    await vm.dispose();
    throw RuntimeErrors.ServicesFailed(vm.name, (r.stderr || r.stdout).trim().split('\n').slice(-8).join('\n') || `exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}`);
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
