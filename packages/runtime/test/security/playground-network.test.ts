import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { QemuProvider, type QemuMachine, type RunningPlayground } from '@labkit/runtime';
import { isLoopback, inetSocketsOf, multicastGroups, offHostSocketsOf } from './proc-sockets.ts';

// Finding 1 of issue 11 (real VMs; run under the heavy lock): a
// multi-machine playground used `-netdev socket,mcast=230.0.x.y`, whose
// frames went out of the host's real interface. Now the machines must reach
// each other while no QEMU socket touches anything but loopback or unix sockets.

let playground: RunningPlayground;
let groupsBefore: Set<string>;

beforeAll(async () => {
  groupsBefore = multicastGroups();
  playground = await new QemuProvider({ accel: 'tcg', memoryMiB: 128 }).provision({ machines: [{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }] });
}, 300_000);
afterAll(async () => {
  await playground?.dispose();
});

const pids = () => playground.machines.map((m) => (m as QemuMachine).pid!);

describe('multi-machine playground network', () => {
  it('lets every machine reach every other one by name', async () => {
    const names = playground.machines.map((m) => m.name);
    for (const from of playground.machines) {
      for (const to of names.filter((n) => n !== from.name)) {
        const r = await from.exec({ script: `ping -c 1 -W 5 ${to}`, timeoutMs: 20_000 });
        expect(r.exitCode, `${from.name} -> ${to}: ${r.stdout}${r.stderr}`).toBe(0);
        expect(r.stdout).toMatch(/1 packets received/);
      }
    }
    // A TCP stream across too (busybox nc): alpha serves, gamma fetches.
    await playground.machine('alpha').exec({ script: 'echo served-by-alpha > /tmp/f; (nc -l -p 7000 < /tmp/f >/dev/null 2>&1 &)', timeoutMs: 5_000 });
    const got = await playground.machine('gamma').exec({ script: 'for i in 1 2 3 4 5; do nc alpha 7000 && exit 0; sleep 0.5; done; exit 1', timeoutMs: 20_000 });
    expect(got.stdout).toBe('served-by-alpha\n');
  }, 180_000);

  it('(the probe itself) sees a socket bound to a non-loopback address, and not one on loopback', async () => {
    const open = async (address: string) => {
      const s = dgram.createSocket('udp4');
      await new Promise<void>((resolve) => s.bind(0, address, resolve)); // binding sends nothing
      return s;
    };
    const [any, lo] = [await open('0.0.0.0'), await open('127.0.0.1')];
    try {
      const flagged = offHostSocketsOf(process.pid).map((s) => s.local);
      expect(flagged).toContain(`0.0.0.0:${any.address().port}`);
      expect(flagged).not.toContain(`127.0.0.1:${lo.address().port}`);
    } finally {
      any.close();
      lo.close();
    }
  });

  it('gives QEMU no socket bound or connected to a non-loopback address, and no multicast option', () => {
    expect(pids()).toHaveLength(3);
    for (const pid of pids()) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      expect(argv.join(' ')).not.toMatch(/mcast=|-netdev (socket|dgram|user|tap)|udp=|localaddr=/);
      expect(argv.join(' ')).toMatch(/-netdev stream,id=net0,server=off,addr\.type=unix,addr\.path=\S+\/switch\.sock/);
      expect(offHostSocketsOf(pid)).toEqual([]);
      // In fact QEMU holds no IP socket at all: only unix sockets (agent, switch).
      expect(inetSocketsOf(pid).filter((s) => !isLoopback(s.local))).toEqual([]);
    }
    const joined = [...multicastGroups()].filter((g) => !groupsBefore.has(g));
    expect(joined).toEqual([]);
  });

  it('removes the switch and its folder with the playground', async () => {
    const argv = readFileSync(`/proc/${pids()[0]}/cmdline`, 'utf8');
    const switchDir = path.dirname(/addr\.path=(\S+?switch\.sock)/.exec(argv)![1]!);
    expect(existsSync(switchDir)).toBe(true);
    await playground.dispose();
    expect(existsSync(switchDir)).toBe(false);
  });
});
