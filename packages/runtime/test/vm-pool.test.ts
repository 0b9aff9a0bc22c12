// The pool's own rules, with a fake provider (real machines are what the
// bench and the lab dev Docker browser test use): pooled machines have the
// kind and RAM they were asked for, a warm-up runs on each before it joins,
// and the provider asks the pool for the RAM the playground's machine needs.
import { describe, expect, it } from 'vitest';
import { QemuProvider, VmPool, type ExecRequest, type QemuMachine } from '@labkit/runtime';

interface FakeMachine {
  name: string;
  kind: string;
  memoryMiB: number | undefined;
  state: 'ready';
  ran: string[];
  exec(r: ExecRequest): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  rename(name: string): Promise<void>;
  dispose(): Promise<void>;
}

function fakeProvider() {
  const booted: FakeMachine[] = [];
  const provider = {
    async bootMachine(name: string, kind = 'busybox', _network?: unknown, options: { memoryMiB?: number } = {}) {
      const m: FakeMachine = {
        name,
        kind,
        memoryMiB: options.memoryMiB,
        state: 'ready',
        ran: [],
        async exec(r) {
          m.ran.push(r.script);
          return { exitCode: 0, stdout: '', stderr: '' };
        },
        async rename(to) {
          m.name = to;
        },
        async dispose() {},
      };
      booted.push(m);
      return m;
    },
  };
  return { provider: provider as unknown as QemuProvider, booted };
}

describe('VmPool', () => {
  it('boots its machines with the RAM it was given and serves only machines asking for that RAM', async () => {
    const { provider, booted } = fakeProvider();
    const pool = new VmPool(provider, { size: 1, kind: 'docker', memoryMiB: 1024 });
    await pool.fill();
    expect(booted.map((m) => [m.kind, m.memoryMiB])).toEqual([['docker', 1024]]);
    // A docker machine with the default RAM (or another kind) is not this pool's.
    expect(await pool.take('docker')).toBeUndefined();
    expect(await pool.take('docker', 512)).toBeUndefined();
    expect(await pool.take('busybox', 1024)).toBeUndefined();
    const taken = (await pool.take('docker', 1024)) as unknown as FakeMachine;
    expect(taken).toBe(booted[0]);
    await pool.dispose();
  });

  it('runs the warm-up on each machine before it joins the pool', async () => {
    const { provider, booted } = fakeProvider();
    const pool = new VmPool(provider, { size: 2, kind: 'docker', warm: 'docker ps >/dev/null' });
    await pool.fill();
    expect(pool.idle).toBe(2);
    expect(booted.map((m) => m.ran)).toEqual([['docker ps >/dev/null'], ['docker ps >/dev/null']]);
    await pool.dispose();
  });

  it('a playground machine is served from the pool only with the RAM it asks for', async () => {
    const asked: Array<[string, number | undefined]> = [];
    const { provider: fake } = fakeProvider();
    const pooled = (await fake.bootMachine('pool-1', 'docker', undefined, { memoryMiB: 1024 })) as unknown as QemuMachine;
    const pool = {
      async take(kind: string, memoryMiB?: number) {
        asked.push([kind, memoryMiB]);
        return pooled;
      },
    };
    const provider = new QemuProvider({ accel: 'tcg', pool, savedStates: false });
    const pg = await provider.provision({ machines: [{ name: 'docker', image: 'docker', memoryMiB: 1024 }] });
    expect(asked).toEqual([['docker', 1024]]);
    expect(pg.machines[0]!.name).toBe('docker');
  });
});
