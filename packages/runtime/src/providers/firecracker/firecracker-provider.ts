import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LabkitError } from '@labkit/sdk';
import { RuntimeErrors } from '../../errors.ts';
import { buildImage, type GuestImage } from '../../image/build-image.ts';
import type { CopyInFile, ExecRequest, ExecResult, Machine, MachineState, PlaygroundSpec, Provider, RunningPlayground } from '../../provider.ts';
import { AgentClient } from '../agent-client.ts';
import { kvmCanary } from '../qemu/accelerator.ts';
import { playgroundOf } from '../qemu/qemu-provider.ts';
import { FirecrackerApi, connectVsock } from './firecracker-api.ts';
import { MachineLifecycle } from '../machine-lifecycle.ts';

export const AGENT_VSOCK_PORT = 1024;

export interface FirecrackerProviderOptions {
  /** Path of the `firecracker` binary (default: found on PATH). */
  binary?: string;
  /**
   * Kernel to boot. Firecracker describes its virtio-mmio devices on the
   * kernel command line only, so the kernel needs
   * CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES=y (Debian's cloud kernel lacks it:
   * use e.g. Firecracker's own CI guest kernel). Default: the image's.
   */
  kernel?: string;
  image?: GuestImage;
  memoryMiB?: number;
  bootTimeoutMs?: number;
}

/**
 * Firecracker microVMs, driven through Firecracker's HTTP API on a Unix
 * socket; the agent is reached over hybrid vsock. Used when a `firecracker`
 * binary and working KVM are present (`available()` says why not).
 */
export class FirecrackerProvider implements Provider {
  readonly name = 'firecracker';
  #options: FirecrackerProviderOptions;

  constructor(options: FirecrackerProviderOptions = {}) {
    this.#options = options;
  }

  /** Undefined when Firecracker can run here, else the reason it cannot. */
  async unavailableReason(): Promise<string | undefined> {
    const binary = this.#binary();
    if (!binary) return 'no `firecracker` binary on PATH';
    if (!existsSync('/dev/kvm')) return '/dev/kvm does not exist';
    const image = this.#options.image ?? (await buildImage());
    if (!(await kvmCanary(image))) return 'KVM is present but a canary guest did not boot under it';
    return undefined;
  }

  async provision(spec: PlaygroundSpec): Promise<RunningPlayground> {
    const reason = await this.unavailableReason();
    if (reason) throw RuntimeErrors.ProviderUnavailable('firecracker', reason);
    const image = this.#options.image ?? (await buildImage());
    const machines: FirecrackerMachine[] = [];
    try {
      for (const m of spec.machines) {
        machines.push(
          await FirecrackerMachine.boot({
            name: m.name,
            binary: this.#binary()!,
            kernel: this.#options.kernel ?? image.kernel,
            image,
            memoryMiB: m.memoryMiB ?? this.#options.memoryMiB ?? 256,
            cpus: m.cpus ?? 1,
            bootTimeoutMs: this.#options.bootTimeoutMs ?? 30_000,
          }),
        );
      }
    } catch (error) {
      await Promise.all(machines.map((m) => m.dispose()));
      throw error;
    }
    return playgroundOf(machines);
  }

  #binary(): string | undefined {
    if (this.#options.binary) return existsSync(this.#options.binary) ? this.#options.binary : undefined;
    const r = spawnSync('sh', ['-c', 'command -v firecracker'], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : undefined;
  }
}

interface BootOptions {
  name: string;
  binary: string;
  kernel: string;
  image: GuestImage;
  memoryMiB: number;
  cpus: number;
  bootTimeoutMs: number;
}

export class FirecrackerMachine implements Machine {
  readonly name: string;
  readonly #life = new MachineLifecycle();
  #child: ChildProcess | undefined;
  #agent: AgentClient | undefined;
  #dir = '';
  #exited: Promise<void> = Promise.resolve();
  /** Why the host stopped the machine itself (agent hung or broke the protocol). */
  #fault: LabkitError | undefined;

  private constructor(name: string) {
    this.name = name;
  }

  static async boot(o: BootOptions): Promise<FirecrackerMachine> {
    const machine = new FirecrackerMachine(o.name);
    try {
      await machine.#boot(o);
    } catch (error) {
      await machine.dispose();
      throw error;
    }
    return machine;
  }

  get state(): MachineState {
    return this.#life.state;
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

  async dispose(): Promise<void> {
    const child = this.#child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.#exited;
    this.#life.set('stopped');
    if (this.#dir) await rm(this.#dir, { recursive: true, force: true });
  }

  async #boot(o: BootOptions): Promise<void> {
    this.#dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-fc-'));
    const apiSock = path.join(this.#dir, 'api.sock');
    const vsock = path.join(this.#dir, 'vsock.sock');
    const child = spawn(o.binary, ['--api-sock', apiSock, '--id', o.name.replace(/[^\w-]/g, '-')], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) =>
      child.once('close', (code, signal) => {
        const detail = this.#fault?.message ?? (signal ? `firecracker was killed (${signal})` : `firecracker exited with code ${code}`);
        this.#agent?.fail(RuntimeErrors.MachineDied(this.name, detail));
        this.#life.set(this.#life.state === 'booting' || this.#life.state === 'ready' ? 'failed' : this.#life.state, detail);
        resolve();
      }),
    );
    const deadline = Date.now() + o.bootTimeoutMs;
    while (!existsSync(apiSock)) {
      if (Date.now() > deadline || child.exitCode !== null) throw RuntimeErrors.BootFailed(this.name, 'firecracker did not open its API socket');
      await new Promise((r) => setTimeout(r, 20));
    }
    const api = new FirecrackerApi(apiSock);
    await api.configureAndStart({
      kernelImagePath: o.kernel,
      initrdPath: o.image.initrd,
      bootArgs: `console=ttyS0 quiet panic=-1 reboot=k labkit.channel=vsock labkit.hostname=${o.name}${o.image.rootfs ? ' labkit.root=/dev/vda' : ''}`,
      vcpuCount: o.cpus,
      memSizeMib: o.memoryMiB,
      ...(o.image.rootfs ? { rootfsPath: o.image.rootfs } : {}),
      vsockUdsPath: vsock,
    });
    // The agent listens once the guest has booted: retry CONNECT until then.
    for (;;) {
      try {
        const socket = await connectVsock(vsock, AGENT_VSOCK_PORT, 2_000);
        this.#agent = new AgentClient(socket, this.name, {
          onFault: (error) => {
            this.#fault ??= error;
            child.kill('SIGKILL');
          },
        });
        socket.resume();
        await Promise.race([this.#agent.ready, new Promise((_, reject) => setTimeout(() => reject(new Error('no hello')), 5_000))]);
        break;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw RuntimeErrors.BootFailed(this.name, `no agent on vsock port ${AGENT_VSOCK_PORT}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    this.#life.set('ready');
  }

}
