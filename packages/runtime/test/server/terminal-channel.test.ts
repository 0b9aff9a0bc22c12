import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import type { Machine, TerminalRequest } from '../../src/provider.ts';
import { TerminalChannel } from '../../src/server/terminal-channel.ts';

// TerminalChannel on real loopback WebSockets with a machine whose terminal
// output the test drives, so it can print in pieces no VM produces on cue
// (thousands of tiny chunks in one tick). The real-VM flood is
// test/security/terminal-backpressure.test.ts.
let closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.reverse()) close();
  closers = [];
});

function scriptedMachine(): { machine: Machine; print: (chunk: Buffer) => void } {
  let request: TerminalRequest | undefined;
  const machine = {
    name: 'm',
    openTerminal(r: TerminalRequest) {
      request = r;
      return { write() {}, resize() {}, close() {} };
    },
  } as unknown as Machine;
  return { machine, print: (chunk) => request!.onData(chunk) };
}

async function serverSocket(): Promise<{ port: number; next: () => Promise<WebSocket> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => wss.once('listening', resolve));
  closers.push(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  const waiting: Array<(ws: WebSocket) => void> = [];
  wss.on('connection', (ws) => waiting.shift()?.(ws));
  return { port: (wss.address() as net.AddressInfo).port, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

describe('TerminalChannel output', () => {
  it('joins what the guest prints while a frame is in flight: same bytes, in order, in far fewer frames', async () => {
    const { port, next } = await serverSocket();
    const { machine, print } = scriptedMachine();
    const channel = new TerminalChannel(machine, { user: 'root', onActivity() {} });
    closers.push(() => channel.close());
    const accepted = next();
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    closers.push(() => client.terminate());
    const frames: Buffer[] = [];
    client.on('message', (d: Buffer) => frames.push(d));
    await new Promise((resolve) => client.once('open', resolve));
    channel.attach(await accepted);

    const pieces = Array.from({ length: 10_000 }, (_, i) => Buffer.from(`${i},`));
    const expected = Buffer.concat(pieces);
    for (const p of pieces) print(p); // one tick: the first piece goes out, the rest wait for it
    await expect.poll(() => frames.reduce((n, f) => n + f.length, 0)).toBe(expected.length);
    expect(Buffer.concat(frames).equals(expected)).toBe(true);
    expect(frames.length).toBeLessThanOrEqual(3);

    // A keystroke's echo on an idle channel still goes out at once, as its own frame.
    frames.length = 0;
    print(Buffer.from('x'));
    await expect.poll(() => frames.length).toBe(1);
    expect(frames[0]!.toString()).toBe('x');
  });

  it('cuts a tab that stops reading at its backlog, counting joined output, with at most one frame queued on its socket', async () => {
    const { port, next } = await serverSocket();
    const { machine, print } = scriptedMachine();
    let slow = 0;
    const backlog = 64 * 1024;
    const channel = new TerminalChannel(machine, { user: 'root', onActivity() {}, onSlowClient: () => slow++, backlogBytes: backlog });
    closers.push(() => channel.close());
    const accepted = next();
    // A client that upgrades and never reads, with a small receive buffer.
    const raw = net.connect({ port, host: '127.0.0.1' });
    closers.push(() => raw.destroy());
    raw.on('error', () => {});
    raw.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    const ws = await accepted;
    raw.pause();
    const socket = (ws as unknown as { _socket: net.Socket })._socket;
    channel.attach(ws);

    // The guest prints 16-byte pieces until the tab is cut (or 64 MiB, far past any kernel buffer).
    const piece = Buffer.from('y\ny\ny\ny\ny\ny\ny\ny\n');
    let printed = 0;
    let maxQueuedWrites = 0;
    while (slow === 0 && printed < 64 * 2 ** 20) {
      for (let i = 0; i < 256; i++) print(piece);
      printed += 256 * piece.length;
      // Writes the socket holds (ws corks a frame's header and payload: two per frame).
      maxQueuedWrites = Math.max(maxQueuedWrites, (socket as unknown as { _writableState: { buffered: unknown[] } })._writableState.buffered.length);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(slow).toBe(1);
    expect(ws.bufferedAmount).toBeLessThanOrEqual(backlog + 256 * piece.length);
    expect(maxQueuedWrites).toBeLessThanOrEqual(2);
    expect(channel.connections).toBe(0);
    // Printing on does nothing for the cut tab.
    print(piece);
    expect(slow).toBe(1);
  });
});
