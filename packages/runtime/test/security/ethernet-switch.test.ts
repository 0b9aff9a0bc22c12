import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EthernetSwitch } from '../../src/providers/qemu/ethernet-switch.ts';
import { FrameReader } from '../../src/providers/frame-reader.ts';

// Finding 1 of issue 11: the playground network is a switch in the host
// process on a unix socket. These peers play QEMU's `-netdev stream` side
// (u32 big-endian length + Ethernet frame) over real unix sockets, and some
// of them misbehave.

const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const mac = (n: number) => `52:54:00:00:00:${n.toString(16).padStart(2, '0')}`;
const macBytes = (m: string) => Buffer.from(m.split(':').map((h) => parseInt(h, 16)));

function ethernet(dst: string, src: string, payload: string): Buffer {
  return Buffer.concat([macBytes(dst), macBytes(src), Buffer.from([0x88, 0xb5]), Buffer.from(payload)]);
}
function wire(frame: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(frame.length);
  return Buffer.concat([len, frame]);
}

interface Peer {
  socket: net.Socket;
  /** Payloads received (after the 14-byte Ethernet header). */
  got: string[];
  closed: Promise<void>;
}

async function connect(socketPath: string): Promise<Peer> {
  const socket = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const reader = new FrameReader({ maxBytes: 1 << 20 });
  const got: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    for (const f of reader.push(chunk).frames) got.push(f.subarray(14).toString());
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, got, closed };
}

const until = async (cond: () => boolean, ms = 3_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};
const settle = () => new Promise((r) => setTimeout(r, 100));

let dir: string;
let sw: EthernetSwitch;
let peers: Peer[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-switch-test-'));
  sw = await EthernetSwitch.listen(path.join(dir, 'switch.sock'), { maxQueuedBytes: 64 * 1024 });
});
afterEach(async () => {
  for (const p of peers) p.socket.destroy();
  peers = [];
  await sw.close();
  await rm(dir, { recursive: true, force: true });
});
const join = async () => {
  const p = await connect(sw.path);
  peers.push(p);
  await until(() => sw.ports === peers.length);
  return p;
};

describe('playground Ethernet switch', () => {
  it('is a unix socket only its owner can open', async () => {
    const s = await stat(sw.path);
    expect(s.isSocket()).toBe(true);
    expect(s.mode & 0o777).toBe(0o600);
  });

  it('floods broadcasts, learns source addresses and then forwards unicast to one port only', async () => {
    const [a, b, c] = [await join(), await join(), await join()];
    a.socket.write(wire(ethernet(BROADCAST, mac(2), 'who-has')));
    await until(() => b.got.length === 1 && c.got.length === 1);
    expect(a.got).toEqual([]);
    b.socket.write(wire(ethernet(mac(2), mac(3), 'is-at')));
    await until(() => a.got.length === 1);
    await settle();
    expect(a.got).toEqual(['is-at']);
    expect(c.got).toEqual(['who-has']); // the unicast reply did not reach c
  });

  it('drops a port that announces a 4 GiB frame, and keeps switching for the others', async () => {
    const [a, b] = [await join(), await join()];
    const hostile = await join();
    hostile.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await hostile.closed;
    await until(() => sw.ports === 2);
    expect(sw.stats.rejectedPorts).toBe(1);
    expect(sw.rejections[0]).toMatch(/frame length 4294967295/);
    a.socket.write(wire(ethernet(BROADCAST, mac(2), 'still-here')));
    await until(() => b.got.length === 1);
    expect(b.got).toEqual(['still-here']);
  });

  it('drops a port that sends a frame one byte over the cap, or one too short to be Ethernet', async () => {
    const [, b] = [await join(), await join()];
    const big = await join();
    const tooBig = Buffer.alloc(4);
    tooBig.writeUInt32BE(65_554);
    big.socket.write(Buffer.concat([tooBig, Buffer.alloc(65_554, 0xff)]));
    await big.closed;
    const tiny = await connect(sw.path);
    peers.push(tiny);
    tiny.socket.write(wire(Buffer.from([0xff, 0xff, 0xff])));
    await tiny.closed;
    const empty = await connect(sw.path);
    peers.push(empty);
    empty.socket.write(Buffer.alloc(4));
    await empty.closed;
    expect(sw.stats.rejectedPorts).toBe(3);
    expect(b.got).toEqual([]); // nothing of theirs was forwarded
  });

  it('forwards nothing of a truncated frame whose sender hangs up', async () => {
    const [, b] = [await join(), await join()];
    const t = await join();
    const w = wire(ethernet(BROADCAST, mac(9), 'x'.repeat(500)));
    t.socket.end(w.subarray(0, 200));
    await t.closed;
    await until(() => sw.ports === 2);
    await settle();
    expect(b.got).toEqual([]);
  });

  it('reassembles frames delivered one byte at a time', async () => {
    const [a, b] = [await join(), await join()];
    const w = Buffer.concat([wire(ethernet(BROADCAST, mac(2), 'slow-one')), wire(ethernet(BROADCAST, mac(2), 'slow-two'))]);
    for (const byte of w) {
      a.socket.write(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await until(() => b.got.length === 2);
    expect(b.got).toEqual(['slow-one', 'slow-two']);
  });

  it('drops frames towards a port that stops reading instead of queueing them without bound', async () => {
    const [a, b] = [await join(), await join()];
    b.socket.pause();
    const frame = wire(ethernet(BROADCAST, mac(2), 'y'.repeat(1_400)));
    const burst = Buffer.concat(Array.from({ length: 4_000 }, () => frame)); // ~5.6 MB
    await new Promise<void>((resolve) => a.socket.write(burst, () => resolve()));
    await until(() => sw.stats.flooded === 4_000, 10_000);
    expect(sw.stats.dropped).toBeGreaterThan(0);
  });

  it('forgets learned addresses when a port leaves and copes with a flood of spoofed sources', async () => {
    const [a, b, c] = [await join(), await join(), await join()];
    // c claims 2,000 source addresses (more than the table holds).
    const spoofed = Buffer.concat(Array.from({ length: 2_000 }, (_, i) => wire(ethernet(BROADCAST, `02:00:00:00:${(i >> 8).toString(16)}:${(i & 255).toString(16)}`, 's'))));
    c.socket.write(spoofed);
    await until(() => a.got.length === 2_000 && b.got.length === 2_000, 10_000);
    b.socket.write(wire(ethernet(BROADCAST, mac(3), 'b-here')));
    await until(() => a.got.length === 2_001);
    b.socket.destroy();
    await until(() => sw.ports === 2);
    // mac(3) left with b: a frame to it is flooded (reaches c), not sent into a closed port.
    a.socket.write(wire(ethernet(mac(3), mac(2), 'to-b')));
    await until(() => c.got.includes('to-b'));
  });
});

describe('QEMU netdev backends', () => {
  it('finds `stream` in this QEMU, and not in a QEMU older than 7.2', async () => {
    const { parseNetdevHelp, qemuNetdevBackends } = await import('../../src/providers/qemu/qemu-machine.ts');
    expect(qemuNetdevBackends()).toContain('stream');
    // `qemu-system-x86_64 -netdev help` of QEMU 7.0 (Ubuntu 22.04).
    const old = 'Available netdev backend types:\nsocket\nhubport\ntap\nuser\nl2tpv3\nvde\nbridge\nvhost-user\nvhost-vdpa\n';
    expect(parseNetdevHelp(old)).toEqual(['socket', 'hubport', 'tap', 'user', 'l2tpv3', 'vde', 'bridge', 'vhost-user', 'vhost-vdpa']);
    expect(parseNetdevHelp(old)).not.toContain('stream');
  });
});
