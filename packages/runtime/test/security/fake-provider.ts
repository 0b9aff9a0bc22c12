import type { Machine, MachineState, Provider, Terminal, TerminalRequest } from '../../src/index.ts';
import { playgroundOf } from '../../src/index.ts';

/**
 * Machines without a VM, for the attacks that target the HTTP and WebSocket
 * layer (crashes, limits, origins): exact, fast and safe to run 30 at once.
 * The attacks on the terminal's output path run real VMs instead.
 */
export class FakeMachine implements Machine {
  readonly name: string;
  state: MachineState = 'ready';
  disposed = false;
  constructor(name: string) {
    this.name = name;
  }
  async exec() {
    return { exitCode: 1, timedOut: false, stdout: '', stderr: '', truncated: false, durationMs: 1 };
  }
  async copyIn() {}
  /** An echo terminal: what is typed comes back. */
  openTerminal(request: TerminalRequest): Terminal {
    queueMicrotask(() => request.onData(Buffer.from('fake $ ')));
    return {
      write: (data) => request.onData(Buffer.from(String(data))),
      resize() {},
      close() {},
    };
  }
  onStateChange() {
    return () => {};
  }
  async dispose() {
    this.disposed = true;
    this.state = 'stopped';
  }
}

export interface FakeProvider extends Provider {
  /** Every machine provisioned so far. */
  readonly machines: FakeMachine[];
  /** Machines whose provision is in flight right now, and the most ever at once. */
  readonly booting: { now: number; max: number };
  /** The next this many provisions fail (a playground that cannot boot). */
  failNext: number;
}

/** A provider whose boot takes `bootMs`, counting how many machines boot at once. */
export function fakeProvider(bootMs = 0): FakeProvider {
  const machines: FakeMachine[] = [];
  const booting = { now: 0, max: 0 };
  const provider: FakeProvider = {
    name: 'fake',
    machines,
    booting,
    failNext: 0,
    async provision(spec) {
      if (provider.failNext > 0) {
        provider.failNext--;
        throw new Error('fake: this playground cannot boot');
      }
      booting.now += spec.machines.length;
      booting.max = Math.max(booting.max, booting.now);
      try {
        if (bootMs) await new Promise((r) => setTimeout(r, bootMs));
        const ms = spec.machines.map((m) => new FakeMachine(m.name));
        machines.push(...ms);
        return playgroundOf(ms);
      } finally {
        booting.now -= spec.machines.length;
      }
    },
  };
  return provider;
}
