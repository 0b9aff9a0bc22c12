import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { LabkitError } from '@labkit/sdk';
import { AgentClient } from '../../src/providers/agent-client.ts';
import { FrameDecoder, MAX_AGENT_FRAME_BYTES, Req } from '../../src/providers/agent-protocol.ts';
import { FrameReader } from '../../src/providers/frame-reader.ts';

// Finding 5 of issue 11: the host side of the agent protocol against a
// hostile guest. A real AgentClient on one end of a real unix socket; the
// test plays the guest on the other end and writes whatever bytes it likes.

const u32 = (...values: number[]) => {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
};
const frame = (type: number, ...parts: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  return Buffer.concat([u32(body.length), body]);
};
const hello = () => frame(0x81, Buffer.from('labkit-agent/1'));
const out = (id: number, stream: 1 | 2, data: string | Buffer) => frame(0x82, u32(id), Buffer.from([stream]), Buffer.from(data));
const exit = (id: number, code: number, flags = 0) => frame(0x83, u32(id, code, 0), Buffer.from([flags]), u32(12));
const ack = (id: number, message = 'ok') => frame(0x84, u32(id, 0, message.length), Buffer.from(message));

interface Guest {
  socket: net.Socket;
  /** Requests the host sent: type and id. */
  requests: Array<{ type: number; id: number }>;
  next(type: number): Promise<number>;
  closed: Promise<void>;
}

let dir: string;
let server: net.Server;
let client: AgentClient;
let guest: Guest;
let faults: LabkitError[];
let hostSocket: net.Socket;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'labkit-agent-test-'));
  const sock = path.join(dir, 'agent.sock');
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const socket = net.connect(sock);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  hostSocket = await accepted;
  faults = [];
  client = new AgentClient(hostSocket, 'box', { onFault: (e) => faults.push(e), graceMs: 60_000 });
  const reader = new FrameReader({ maxBytes: 1 << 20 });
  const requests: Guest['requests'] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const body of reader.push(chunk).frames) requests.push({ type: body[0]!, id: body.length >= 5 ? body.readUInt32BE(1) : 0 });
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => {});
  guest = {
    socket,
    requests,
    closed: new Promise((resolve) => socket.once('close', () => resolve())),
    async next(type) {
      for (;;) {
        const found = requests.find((r) => r.type === type && !(r as { seen?: boolean }).seen);
        if (found) {
          (found as { seen?: boolean }).seen = true;
          return found.id;
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
  guest.socket.write(hello());
  await client.ready;
});
afterEach(async () => {
  guest.socket.destroy();
  hostSocket.destroy();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const settle = () => new Promise((r) => setTimeout(r, 50));

describe('agent client against a hostile guest', () => {
  it('runs a check normally (the baseline the attacks are measured against)', async () => {
    const result = client.exec({ script: 'true', timeoutMs: 1_000 });
    const id = await guest.next(Req.Exec);
    guest.socket.write(Buffer.concat([out(id, 1, 'hi\n'), out(id, 2, 'err\n'), exit(id, 3)]));
    await expect(result).resolves.toMatchObject({ exitCode: 3, stdout: 'hi\n', stderr: 'err\n', truncated: false });
    expect(faults).toEqual([]);
  });

  it('issues unguessable request ids (random 32-bit, not a counter)', async () => {
    for (let i = 0; i < 64; i++) client.exec({ script: 'true', timeoutMs: 1_000 }).catch(() => {});
    await settle();
    const ids = guest.requests.filter((r) => r.type === Req.Exec).map((r) => r.id);
    expect(ids).toHaveLength(64);
    expect(new Set(ids).size).toBe(64);
    const sorted = [...ids].sort((a, b) => a - b);
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThan(2 ** 24);
    // Not consecutive: a counter would give neighbours that differ by 1.
    expect(ids.slice(1).filter((id, i) => Math.abs(id - ids[i]!) === 1)).toEqual([]);
  });

  it('fails the machine, and resolves nothing, on a forged EXIT for an id it never issued', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    const real = await guest.next(Req.Exec);
    // A counter-guessing forger: EXIT 0 for every small id (the old ids were 1, 2, 3...).
    const spray = Buffer.concat(Array.from({ length: 1_000 }, (_, i) => exit(i + 1, 0)));
    guest.socket.write(spray);
    await expect(result).rejects.toMatchObject({ code: 'AgentProtocol', message: expect.stringMatching(/never issued/) });
    expect(faults.map((f) => f.code)).toEqual(['AgentProtocol']);
    // The genuine EXIT arriving afterwards changes nothing: the machine is failed.
    guest.socket.write(exit(real, 0));
    await settle();
    await expect(client.exec({ script: 'again', timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'AgentProtocol' });
    expect(faults).toHaveLength(1);
  });

  it('fails the machine on an announced length of 4 GiB, without buffering it', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    await guest.next(Req.Exec);
    guest.socket.write(Buffer.concat([u32(0xffff_fff0), Buffer.alloc(64 * 1024, 0x82)]));
    await expect(result).rejects.toMatchObject({ code: 'AgentProtocol', message: expect.stringMatching(/frame length 4294967280/) });
    expect(faults).toHaveLength(1);
  });

  it('fails the machine on a body too short for its type (EXIT of 5 bytes), instead of throwing in the event loop', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    const id = await guest.next(Req.Exec);
    guest.socket.write(Buffer.concat([u32(5), Buffer.from([0x83]), u32(id)]));
    await expect(result).rejects.toMatchObject({ code: 'AgentProtocol', message: expect.stringMatching(/EXIT frame of 5 bytes/) });
  });

  it.each([
    ['an unknown frame type', () => frame(0x99, u32(1))],
    ['an OUT frame for stream 7', (id: number) => frame(0x82, u32(id), Buffer.from([7]), Buffer.from('x'))],
    ['an ACK whose message length lies', (id: number) => frame(0x84, u32(id, 0, 1_000), Buffer.from('short'))],
    ['an ACK for a script', (id: number) => ack(id)],
    ['an empty frame', () => u32(0)],
  ])('fails the machine on %s', async (_what, bytes) => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    const id = await guest.next(Req.Exec);
    guest.socket.write(bytes(id));
    await expect(result).rejects.toMatchObject({ code: 'AgentProtocol' });
    expect(faults).toHaveLength(1);
  });

  it('fails the machine on an EXIT for a file copy (a frame that does not fit its request)', async () => {
    const copy = client.copyIn({ path: '/etc/x', content: 'x' });
    const id = await guest.next(Req.Write);
    guest.socket.write(exit(id, 0));
    await expect(copy).rejects.toMatchObject({ code: 'AgentProtocol' });
  });

  it('waits for the rest of a truncated body and decodes nothing from half a frame', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    const id = await guest.next(Req.Exec);
    const whole = exit(id, 0);
    guest.socket.write(whole.subarray(0, 12));
    let settled = false;
    result.then(() => (settled = true), () => (settled = true));
    await settle();
    expect(settled).toBe(false);
    guest.socket.write(whole.subarray(12));
    await expect(result).resolves.toMatchObject({ exitCode: 0 });
  });

  it('decodes frames delivered one byte at a time', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    const id = await guest.next(Req.Exec);
    const bytes = Buffer.concat([out(id, 1, 'x'.repeat(2_000)), exit(id, 4)]);
    for (const byte of bytes) {
      await new Promise<void>((resolve) => guest.socket.write(Buffer.from([byte]), () => resolve()));
    }
    await expect(result).resolves.toMatchObject({ exitCode: 4, stdout: 'x'.repeat(2_000) });
    expect(faults).toEqual([]);
  });

  it('caps output host-side even when the guest ignores the cap', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000, maxOutputBytes: 1_000 });
    const id = await guest.next(Req.Exec);
    guest.socket.write(Buffer.concat([...Array.from({ length: 50 }, () => out(id, 1, 'y'.repeat(60_000))), exit(id, 0)]));
    const r = await result;
    expect(r.stdout.length).toBe(1_000);
    expect(r.truncated).toBe(true);
  });

  it('ignores (and counts) a late frame for a request it already settled', async () => {
    const result = client.exec({ script: 'check', timeoutMs: 1_000 });
    const id = await guest.next(Req.Exec);
    guest.socket.write(exit(id, 0));
    await result;
    guest.socket.write(Buffer.concat([exit(id, 1), hello()]));
    await settle();
    expect(client.stats).toEqual({ lateFrames: 1, extraHellos: 1 });
    expect(faults).toEqual([]);
    const again = client.exec({ script: 'again', timeoutMs: 1_000 });
    const id2 = await guest.next(Req.Exec);
    guest.socket.write(exit(id2, 0));
    await expect(again).resolves.toMatchObject({ exitCode: 0 });
  });

  it('fails a terminal too, and later writes to it are no-ops', async () => {
    const exits: number[] = [];
    const t = client.openTerminal({ cols: 80, rows: 24, onData: () => {}, onExit: (c) => exits.push(c) });
    const id = await guest.next(Req.Pty);
    guest.socket.write(ack(id));
    await settle();
    expect(exits).toEqual([-1]);
    expect(faults.map((f) => f.code)).toEqual(['AgentProtocol']);
    t.write('ls\n');
  });
});

describe('frame decoder', () => {
  it('decodes a maximum-size frame fed one byte per chunk in linear time', () => {
    const data = Buffer.alloc(MAX_AGENT_FRAME_BYTES - 6, 0x61);
    const bytes = Buffer.concat([u32(data.length + 6), Buffer.from([0x82]), u32(7), Buffer.from([1]), data]);
    const decoder = new FrameDecoder();
    const t = performance.now();
    let frames = 0;
    for (let i = 0; i < bytes.length; i++) frames += decoder.push(bytes.subarray(i, i + 1)).frames.length;
    const ms = performance.now() - t;
    expect(frames).toBe(1);
    // Re-concatenating per chunk copies ~8.6 GB here (seconds); one copy per byte is milliseconds.
    expect(ms).toBeLessThan(1_000);
  });

  it('refuses a frame one byte over the cap before reading its body', () => {
    const decoder = new FrameDecoder();
    const r = decoder.push(u32(MAX_AGENT_FRAME_BYTES + 1));
    expect(r.error).toMatch(/outside 1\.\.131072/);
    expect(decoder.push(exit(1, 0)).frames).toEqual([]); // poisoned: no resynchronising on attacker bytes
  });
});
