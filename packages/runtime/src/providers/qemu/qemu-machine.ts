import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isLabkitError, shQuote, type LabkitError } from '@labkit/sdk';
import { RuntimeErrors } from '../../errors.ts';
import type { GuestImage } from '../../image/build-image.ts';
import type { CopyInFile, ExecRequest, ExecResult, Machine, MachineState, SpawnRequest, SpawnedProcess, Terminal, TerminalRequest } from '../../provider.ts';
import { AgentClient, WATCHDOG_GRACE_MS } from '../agent-client.ts';
import { MachineLifecycle } from '../machine-lifecycle.ts';
import { Qmp, waitForMigration } from './qmp.ts';

export type Accelerator = 'kvm' | 'tcg';

/** A machine's place on its playground network. */
export interface MachineNetwork {
  /** Address and prefix, e.g. `10.0.0.2/24`. */
  address: string;
  /** The playground's EthernetSwitch socket (a unix socket: the network never leaves the host). */
  switchPath: string;
  mac: string;
}

export interface QemuMachineOptions {
  name: string;
  image: GuestImage;
  accel: Accelerator;
  memoryMiB?: number;
  cpus?: number;
  /** Address on the playground network and the switch to join. */
  network?: MachineNetwork;
  bootTimeoutMs?: number;
  /** Host watchdog grace after a script's own timeout (tests shorten it). */
  watchdogGraceMs?: number;
  /** TCG translation cache size (MiB). Default 32: plenty for busybox checks, and RSS is what limits VMs per host. */
  tbSizeMiB?: number;
  /**
   * Guest RAM from a file instead of anonymous memory (machines with saved
   * state): `share: true` while a template boots (its pages land in the
   * file), `false` for machines restored from it (a private copy-on-write
   * mapping, so every restored machine shares the pages it has not written).
   */
  memoryFile?: { path: string; share: boolean };
  /** The root disk instead of `image.rootfs`: `writable` for a template (its writes are part of the saved state), else opened with `snapshot=on`. */
  rootDisk?: { path: string; writable: boolean };
  /** Restore from this state file (written by `saveState`) instead of booting; the machine runs with its saved hostname until `setIdentity`. */
  incoming?: string;
  /** Open a QMP socket (set for a machine whose state will be saved). */
  qmp?: boolean;
  /** `labkit.hostname` on the kernel command line, when it is not `name` (a template's fixed one). */
  bootHostname?: string;
}

/** The readiness probe's own limit; its watchdog adds the grace on top. */
const READY_PROBE_MS = 10_000;

/** Every QEMU this process started, so none outlives it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Kernel flags that cut boot time under emulation: no crypto self-tests, no
 * PCI probing (microvm has none), no LSMs or audit, no spectre mitigations,
 * no zeroing of every allocated page (init_on_alloc: slow under TCG), and
 * no initcalls a lab guest never uses that `initcall_debug` showed among the
 * slowest under TCG (KDF self-test 116 ms, platform keyring 83 ms, kprobe
 * and trace_printk tracefs setup 86 ms).
 */
const FAST_BOOT =
  'quiet panic=-1 init_on_alloc=0 cryptomgr.notests mitigations=off pci=off audit=0 security=none random.trust_cpu=on no_timer_check nowatchdog nokaslr ' +
  'initcall_blacklist=crypto_kdf108_init,platform_keyring_init,init_kprobe_trace,init_trace_printk_function_export';

let tscKhz: number | undefined;
/** The host TSC frequency: under TCG the guest must be told it (`tsc_early_khz`) or ~10% of boots hang calibrating. */
export function hostTscKhz(): number {
  if (tscKhz !== undefined) return tscKhz;
  try {
    tscKhz = Number(readFileSync('/sys/devices/system/cpu/cpu0/tsc_freq_khz', 'utf8').trim());
  } catch {
    const mhz = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    tscKhz = mhz ? Math.round(Number(mhz) * 1000) : 0;
  }
  return tscKhz;
}

/** Netdev backends named by `qemu-system-x86_64 -netdev help` (one per line after a heading). */
export function parseNetdevHelp(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[a-z][a-z0-9-]*$/.test(line));
}

let netdevs: string[] | undefined;
/** This host's QEMU netdev backends (asked once per process). */
export function qemuNetdevBackends(): string[] {
  netdevs ??= parseNetdevHelp(spawnSync('qemu-system-x86_64', ['-netdev', 'help'], { encoding: 'utf8' }).stdout ?? '');
  return netdevs;
}

/**
 * The absolute path of a program on PATH, or undefined. Only a path counts:
 * busybox's `sh` answers `command -v setpriv` with the bare applet name even
 * where no such program exists (the Swarm runner image), and spawning that
 * failed every boot with ENOENT ("did not boot: QEMU exited").
 */
export function programPath(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', env });
  const found = r.status === 0 ? r.stdout.trim() : '';
  return found.startsWith('/') ? found : undefined;
}

const setprivPath = programPath('setpriv');

/** The guest kernel's command line for a machine (saved states are keyed by it too). */
export function kernelCmdline(o: Pick<QemuMachineOptions, 'name' | 'bootHostname' | 'accel' | 'image' | 'network'>): string {
  return [
    'console=ttyS0',
    FAST_BOOT,
    `labkit.hostname=${o.bootHostname ?? o.name}`,
    process.env.LABKIT_EXTRA_CMDLINE ?? '',
    o.accel === 'tcg' && hostTscKhz() ? `tsc_early_khz=${hostTscKhz()}` : '',
    o.image.rootfs ? 'labkit.root=/dev/vda' : '',
    o.network ? `labkit.ip=${o.network.address}` : '',
  ].filter(Boolean).join(' ');
}

/** One QEMU microVM and the agent inside it. */
export class QemuMachine implements Machine {
  readonly name: string;
  readonly #life = new MachineLifecycle();
  #child: ChildProcess | undefined;
  #agent: AgentClient | undefined;
  #dir = '';
  #exited: Promise<void> = Promise.resolve();
  #disposed = false;
  /** Why the host stopped the machine itself (agent hung or broke the protocol). */
  #fault: LabkitError | undefined;
  #options: QemuMachineOptions;
  /**
   * Where this machine's start went, in ms since `boot` began: `spawned`
   * (QEMU started), `qmp`, `restored` and `running` (its monitor answers,
   * state loaded, `cont`; restored machines only), `agent` (hello or ping answered), `ready` (the readiness
   * probe, the first command, answered). The bench prints them.
   */
  readonly startPhases: Record<string, number> = {};

  private constructor(options: QemuMachineOptions) {
    this.name = options.name;
    this.#options = options;
  }

  /** Boots the machine and resolves once its agent has said hello. */
  static async boot(options: QemuMachineOptions): Promise<QemuMachine> {
    // The playground network is `-netdev stream` to a host-local switch (QEMU
    // 7.2+). There is no fallback to a socket netdev: that is what sent frames off the host.
    if (options.network && !qemuNetdevBackends().includes('stream')) {
      throw RuntimeErrors.ProviderUnavailable('qemu', 'multi-machine playgrounds need QEMU 7.2 or newer (`-netdev stream`, a network that stays on this host); this QEMU has no `stream` netdev');
    }
    // Under a heavily loaded host a fresh guest has (rarely) said hello and
    // then not answered its first command for tens of seconds. Readiness is
    // therefore hello + one real command (which also warms the translation
    // cache for the first check); a guest that fails it is replaced once.
    for (let attempt = 1; ; attempt++) {
      const machine = new QemuMachine(options);
      const began = performance.now();
      const mark = (phase: string) => (machine.startPhases[phase] = performance.now() - began);
      try {
        await machine.#boot(mark);
        let timer: NodeJS.Timeout | undefined;
        const probe = machine.#agent!.exec({ script: 'true', timeoutMs: READY_PROBE_MS });
        probe.catch(() => {});
        await Promise.race([
          probe,
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(RuntimeErrors.AgentUnresponsive(options.name, READY_PROBE_MS / 1000)), READY_PROBE_MS * 2);
          }),
        ]).finally(() => clearTimeout(timer));
        mark('ready');
        machine.#life.set('ready');
        return machine;
      } catch (error) {
        await machine.dispose();
        if (attempt >= 2 || (isLabkitError(error) && error.code === 'BootFailed')) throw error;
      }
    }
  }

  get state(): MachineState {
    return this.#life.state;
  }

  /** The QEMU process id (tests check that none is left behind). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  onStateChange(listener: (state: MachineState, detail?: string) => void): () => void {
    return this.#life.onChange(listener);
  }

  async exec(request: ExecRequest): Promise<ExecResult> {
    return this.#life.ready(this.#agent, this.name).exec(request);
  }

  async copyIn(file: CopyInFile): Promise<void> {
    return this.#life.ready(this.#agent, this.name).copyIn(file);
  }

  openTerminal(request: TerminalRequest): Terminal {
    if (!this.#agent || this.#life.state !== 'ready') {
      queueMicrotask(() => request.onExit(-1));
      return { write() {}, resize() {}, close() {} };
    }
    return this.#agent.openTerminal(request);
  }

  spawn(request: SpawnRequest): SpawnedProcess {
    let agent;
    try {
      agent = this.#life.ready(this.#agent, this.name);
    } catch (error) {
      return { write() {}, end() {}, kill() {}, result: Promise.reject(error) };
    }
    return agent.spawn(request);
  }

  /**
   * Saves the machine's state to `file` (QEMU migration to a file; guest RAM
   * stays in its `memoryFile`, `x-ignore-shared`) and stops it. The machine
   * must have been booted with `qmp` and a shared `memoryFile`.
   */
  async saveState(file: string, timeoutMs = 120_000): Promise<void> {
    this.#life.ready(this.#agent, this.name);
    const qmp = await Qmp.connect(path.join(this.#dir, 'qmp.sock'));
    try {
      await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
      await qmp.execute('stop');
      await qmp.execute('migrate', { uri: `exec:cat > ${shQuote(file)}` });
      await waitForMigration(qmp, timeoutMs);
    } finally {
      qmp.close();
    }
    await this.dispose();
  }

  /**
   * Gives a machine restored from saved state its own identity: hostname,
   * the host's wall clock (the guest's stopped at the save), 64 bytes of
   * fresh entropy (credited, CRNG reseeded) and a new machine-id.
   */
  async setIdentity(name: string): Promise<void> {
    const agent = this.#life.ready(this.#agent, this.name);
    (this as { name: string }).name = name;
    await agent.setIdentity({ hostname: name, epochMs: Date.now(), seed: randomBytes(64), machineId: randomBytes(16).toString('hex') });
  }

  /** Renames a pooled machine when a playground claims it (hostname only). */
  async rename(name: string): Promise<void> {
    const agent = this.#life.ready(this.#agent, this.name);
    (this as { name: string }).name = name;
    await agent.setHostname(name);
  }

  async dispose(): Promise<void> {
    if (this.#disposed) return this.#exited;
    this.#disposed = true;
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.#exited;
    this.#life.set('stopped');
    if (this.#dir && !process.env.LABKIT_DEBUG) await rm(this.#dir, { recursive: true, force: true });
  }


  async #boot(mark: (phase: string) => void): Promise<void> {
    const o = this.#options;
    this.#dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-vm-'));
    const socketPath = path.join(this.#dir, 'agent.sock');
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
    const connected = new Promise<net.Socket>((resolve) => server.once('connection', resolve));

    const cmdline = kernelCmdline(o);
    const args = [
      '-M', 'microvm,x-option-roms=off,rtc=on,pit=off,pic=off',
      // A small translation cache: TCG's default (1 GiB) is what made each VM's RSS ~200 MiB.
      ...(o.accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', `tcg,tb-size=${o.tbSizeMiB ?? Number(process.env.LABKIT_TB_SIZE ?? 32)}`, '-cpu', 'max']),
      '-m', String(o.memoryMiB ?? 256),
      ...(o.memoryFile
        ? [
            '-object', `memory-backend-file,id=ram,size=${o.memoryMiB ?? 256}M,mem-path=${o.memoryFile.path.replaceAll(',', ',,')},share=${o.memoryFile.share ? 'on' : 'off'}`,
            '-machine', 'memory-backend=ram',
          ]
        : []),
      ...(o.qmp || o.incoming ? ['-qmp', `unix:${path.join(this.#dir, 'qmp.sock')},server=on,wait=off`] : []),
      ...(o.incoming ? ['-incoming', 'defer'] : []),
      '-smp', String(o.cpus ?? 1),
      '-nodefaults', '-no-user-config', '-display', 'none', '-no-reboot',
      '-serial', `file:${path.join(this.#dir, 'console.log')}`,
      '-kernel', o.image.kernel,
      '-initrd', o.image.initrd,
      '-append', cmdline,
      '-device', 'virtio-serial-device',
      '-chardev', `socket,id=agent,path=${socketPath}`,
      '-device', 'virtserialport,chardev=agent,name=labkit.agent',
      ...(o.image.rootfs
        ? [
            '-drive', `id=root,file=${(o.rootDisk?.path ?? o.image.rootfs).replaceAll(',', ',,')},format=raw,if=none${o.rootDisk?.writable ? '' : ',snapshot=on'}`,
            '-device', 'virtio-blk-device,drive=root',
          ]
        : []),
      ...(o.network
        ? [
            // A unix stream socket to the playground's switch in this process
            // (never QEMU's UDP `socket` netdev: its frames leave the host).
            '-netdev', `stream,id=net0,server=off,addr.type=unix,addr.path=${o.network.switchPath.replaceAll(',', ',,')}`,
            '-device', `virtio-net-device,netdev=net0,mac=${o.network.mac}`,
          ]
        : []),
    ];
    // setpriv --pdeathsig: QEMU dies with us even if this process is SIGKILLed.
    const [cmd, argv] = setprivPath
      ? [setprivPath, ['--pdeathsig', 'KILL', 'qemu-system-x86_64', ...args]]
      : ['qemu-system-x86_64', args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    live.add(child);
    mark('spawned');
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    this.#exited = new Promise<void>((resolve) => {
      child.once('close', (code, signal) => {
        live.delete(child);
        server.close();
        const detail = this.#fault
          ? this.#fault.message
          : signal
            ? `QEMU was killed (${signal})`
            : `QEMU exited with code ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`;
        const error = RuntimeErrors.MachineDied(this.name, detail);
        this.#agent?.fail(error);
        this.#life.set(this.#disposed ? 'stopped' : 'failed', detail);
        resolve();
      });
      child.once('error', () => resolve());
    });

    const timeoutMs = o.bootTimeoutMs ?? 120_000; // generous: a TCG boot on a loaded 2-core CI host took 30 s
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(RuntimeErrors.BootFailed(this.name, `no agent after ${timeoutMs / 1000} s (${o.accel})`)), timeoutMs);
    });
    const died = this.#exited.then(async () => {
      const log = await readFile(path.join(this.#dir, 'console.log'), 'utf8').catch(() => '');
      throw RuntimeErrors.BootFailed(this.name, (stderr.trim() || log.trim().split('\n').slice(-3).join(' | ') || 'QEMU exited').slice(0, 500));
    });
    died.catch(() => {}); // only meaningful while booting; a later exit is reported through the agent
    try {
      if (o.incoming) {
        const file = o.incoming;
        const restore = (async () => {
          const qmp = await Qmp.connect(path.join(this.#dir, 'qmp.sock'));
          mark('qmp');
          try {
            await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'x-ignore-shared', state: true }] });
            await qmp.execute('migrate-incoming', { uri: `exec:cat ${shQuote(file)}` });
            await waitForMigration(qmp, timeoutMs);
            mark('restored');
            // The saved machine was stopped before its save, so this one arrives paused.
            await qmp.execute('cont');
            mark('running');
          } catch (error) {
            throw RuntimeErrors.BootFailed(this.name, `restoring the saved state ${file} failed: ${(error as Error).message}`);
          } finally {
            qmp.close();
          }
        })();
        restore.catch(() => {}); // awaited by the race below; this only keeps a loser from being unhandled
        await Promise.race([restore, timeout, died]);
      }
      const socket = await Promise.race([connected, timeout, died]);
      this.#agent = new AgentClient(socket, this.name, {
        onFault: (error: LabkitError) => {
          // Hung, or a frame the host refuses: the machine's state says why, not just "killed".
          this.#fault ??= error;
          child.kill('SIGKILL');
        },
        graceMs: o.watchdogGraceMs ?? WATCHDOG_GRACE_MS,
      });
      // QEMU's own exit (reported by the 'close' handler above) says more than a
      // closed socket, so give it a moment to arrive first.
      socket.once('close', () => setTimeout(() => this.#agent?.fail(RuntimeErrors.MachineDied(this.name, 'the agent connection closed')), 1_000).unref());
      // A restored agent said its HELLO to the host that booted it, long ago: ask it instead.
      await Promise.race([o.incoming ? this.#agent.ping(timeoutMs) : this.#agent.ready, timeout, died]);
      mark('agent');
    } finally {
      clearTimeout(timer);
    }
  }
}
