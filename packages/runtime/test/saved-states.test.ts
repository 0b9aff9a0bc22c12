// Instant starts from saved VM state on real QEMU machines (TCG here): the
// first start of a configuration boots it and saves it; later starts restore
// from that state, each with its own identity; a changed image or a broken
// state is saved again. Run under the heavy lock (it boots VMs).
import { copyFile, mkdir, mkdtemp, readdir, rm, truncate, utimes } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QemuProvider, SavedStates, buildImage, testChallenges, type GuestImage, type QemuMachine } from '@labkit/runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
type Start = { machine: string; how: 'restored' | 'booted' | 'saved'; ms: number };

describe('saved VM states (QEMU, TCG)', () => {
  let work: string;
  let image: GuestImage;
  let starts: Start[];
  let provider: QemuProvider;
  let states: SavedStates;
  const up: QemuMachine[] = [];

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'labkit-saved-'));
    // A private copy of the busybox image, so this test can change its files.
    const built = await buildImage();
    const dir = path.join(work, 'image');
    await mkdir(dir);
    for (const f of ['vmlinux', 'initrd.cpio']) await copyFile(path.join(built.dir, f), path.join(dir, f));
    image = { ...built, dir, kernel: path.join(dir, 'vmlinux'), initrd: path.join(dir, 'initrd.cpio') };
    states = new SavedStates(path.join(work, 'snapshots'));
    starts = [];
    provider = new QemuProvider({ accel: 'tcg', images: { busybox: image }, savedStates: states, onStart: (e) => starts.push(e) });
  }, 600_000);

  afterAll(async () => {
    await Promise.all(up.map((vm) => vm.dispose()));
    await rm(work, { recursive: true, force: true });
  });

  const boot = async (name: string) => {
    const vm = await provider.bootMachine(name, 'busybox');
    up.push(vm);
    return vm;
  };
  const identity = async (vm: QemuMachine) => {
    const r = await vm.exec({ script: 'hostname; cat /etc/machine-id; date +%s; head -c 16 /dev/urandom | od -An -tx1 | tr -d " \\n"', timeoutMs: 20_000 });
    const [hostname, machineId, clock, random] = r.stdout.trim().split('\n');
    return { hostname, machineId, clock: Number(clock), random };
  };

  it('saves on the first start, restores after; restored machines get their own identity', async () => {
    const first = await boot('first');
    expect(starts.map((s) => s.how)).toEqual(['saved', 'restored']);
    const second = await boot('second');
    expect(starts.map((s) => s.how)).toEqual(['saved', 'restored', 'restored']);
    const saveMs = starts[0]!.ms;
    const restoreMs = starts[2]!.ms;
    console.log(`  busybox: save (cold boot + save) ${saveMs} ms, restore to agent ready ${restoreMs} ms`);
    expect(restoreMs).toBeLessThan(saveMs);

    const a = await identity(first);
    const b = await identity(second);
    expect([a.hostname, b.hostname]).toEqual(['first', 'second']);
    // The saved machine's clock stopped at the save; each restored one runs on the host's.
    const now = Math.floor(Date.now() / 1000);
    expect(Math.abs(a.clock - now)).toBeLessThan(30);
    expect(Math.abs(b.clock - now)).toBeLessThan(30);
    expect(a.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(b.machineId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.machineId).not.toBe(b.machineId);
    // Without the reseed both copies would draw the same bytes from the same CRNG state.
    expect(a.random).toMatch(/^[0-9a-f]{32}$/);
    expect(a.random).not.toBe(b.random);
  }, 600_000);

  it('a restored machine runs a challenge: lab test passes with every check green', async () => {
    const before = starts.length;
    const report = await testChallenges([path.join(here, 'fixtures/lab-test/solvable')], { provider, pollIntervalMs: 300, conditions: { VERSION: '2' } });
    expect(report.challenges[0]!.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(starts.slice(before).map((s) => s.how)).toEqual(['restored']);
  }, 600_000);

  it('a changed image is saved again and its stale state removed; a state that does not restore is saved again', async () => {
    const dirs = async () => (await readdir(states.root)).filter((n) => !n.startsWith('.')).sort();
    const [old] = await dirs();
    expect(old).toMatch(/^busybox-[0-9a-f]{8}-[0-9a-f]{16}$/);
    // A rebuilt initrd (same path, new mtime) is a new image: never restored from the old state.
    const later = new Date(Date.now() + 60_000);
    await utimes(image.initrd, later, later);
    starts.length = 0;
    const vm = await boot('after-rebuild');
    expect(starts.map((s) => s.how)).toEqual(['saved', 'restored']);
    expect((await identity(vm)).hostname).toBe('after-rebuild');
    const now = await dirs();
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
    expect(existsSync(path.join(states.root, old!))).toBe(false);

    // A truncated state (a full disk, a killed save): QEMU refuses it, the state is saved again.
    const current = await states.locate({ image, accel: 'tcg', memoryMiB: 256, cpus: 1, tbSizeMiB: 32, services: true });
    await truncate(current.state, 100);
    starts.length = 0;
    const again = await boot('after-truncate');
    expect(starts.map((s) => s.how)).toEqual(['saved', 'restored']);
    expect((await again.exec({ script: 'echo ok', timeoutMs: 20_000 })).stdout).toBe('ok\n');
  }, 900_000);
});
