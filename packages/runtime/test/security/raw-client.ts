import { spawn, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';

/** Sends raw bytes to host:port and resolves with everything read until the server closes (or `waitMs`). */
export function rawExchange(port: number, request: string | Buffer, waitMs = 2_000, address = '127.0.0.1', untilHead = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, address);
    let got = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (d) => {
      got += d.toString('latin1');
      // A stream that never ends (Server-Sent Events): its head is the answer.
      if (untilHead && got.includes('\r\n\r\n')) done();
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request);
  });
}

/** The status line of a raw exchange (`HTTP/1.1 400 Bad Request`), or '' when the socket closed without one. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    host: '127.0.0.1',
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': randomBytes(16).toString('base64'),
    ...headers,
  };
  return `GET ${path} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}

/** A WebSocket frame; `mask: false` is what a client must never send (RFC 6455 5.1). */
export function wsFrame(payload: string | Buffer, { opcode = 1, mask = true } = {}): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const head = data.length < 126 ? Buffer.from([0x80 | opcode, (mask ? 0x80 : 0) | data.length]) : Buffer.from([0x80 | opcode, (mask ? 0x80 : 0) | 126, data.length >> 8, data.length & 0xff]);
  if (!mask) return Buffer.concat([head, data]);
  const key = randomBytes(4);
  const body = Buffer.from(data.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([head, key, body]);
}

/** Performs a WebSocket handshake on a raw socket; resolves once the 101 head has been read. */
export function rawWebSocket(port: number, path: string, headers: Record<string, string> = {}): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      if (statusOf(got) !== 101) {
        socket.destroy();
        reject(new Error(`no upgrade: ${got.slice(0, end)}`));
      } else resolve({ socket, head: got.slice(0, end) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(upgradeRequest(path, headers));
  });
}

/** Opens a WebSocket on `path` and sends one unmasked frame (a protocol error from a client); resolves when the server closes that socket. */
export async function sendUnmaskedFrame(port: number, path: string, headers: Record<string, string> = {}): Promise<void> {
  const { socket } = await rawWebSocket(port, path, headers);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => {});
  socket.resume();
  socket.write(wsFrame('0ls', { mask: false }));
  await closed;
}

/** Sends `request` (a refused upgrade) and resets the socket at once, `times` times, then gives the server 200 ms to trip over it. */
export async function resetDuringUpgrade(port: number, request: string, times = 20): Promise<void> {
  for (let i = 0; i < times; i++) {
    await new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.write(request);
        s.resetAndDestroy();
        resolve();
      });
      s.on('error', () => resolve());
    });
  }
  await new Promise((r) => setTimeout(r, 200));
}

export interface Child {
  url: string;
  port: number;
  process: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Still running (not exited, not killed)? */
  alive(): boolean;
  stop(): Promise<void>;
}

/** Starts a Node script that prints its server URL on stdout, and waits for that line. */
export async function startChild(args: string[], urlPattern = /^(http:\/\/\S+\/)$/m): Promise<Child> {
  const child = spawn(process.execPath, ['--conditions=labkit-source', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = urlPattern.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`child exited ${code}: ${stderr}`)));
  });
  return {
    url,
    port: Number(new URL(url).port),
    process: child,
    stdout: () => out,
    stderr: () => stderr,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
