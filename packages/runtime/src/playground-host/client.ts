import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RuntimeErrors } from '../errors.ts';
import { ChannelDecoder, encodeChannel } from './channel.ts';
import { processAlive } from '../process-alive.ts';
import { readRecords, recordPath, type PlaygroundRecord } from './host-record.ts';
import { playgroundStateDir } from './state-dir.ts';
import { GUEST_SSHD_COMMAND } from './ssh-setup.ts';
import type { ControlRequest, HostOptions } from './supervisor.ts';

export interface StartPlaygroundOptions {
  /** Playground name, item id or item folder. */
  target: string;
  /** Content folder (default: the current folder). */
  dir?: string;
  ssh?: boolean;
  /**
   * The command that runs a supervisor: it is called with one more argument,
   * the JSON `HostOptions`, and must call `hostPlayground()` with it
   * (`lab playground start` passes `[node, lab.js, 'playground', '__host']`).
   */
  host: string[];
  /** The command `lab ssh-proxy` is, for the generated OpenSSH config. */
  proxyCommand?: string[];
  /** Init condition values (checked by the supervisor against the definition's); others take the defaults. */
  conditions?: Record<string, string>;
  onProgress?: (message: string) => void;
}

/**
 * Starts a playground that outlives the caller: a detached supervisor owns
 * its machines. Resolves once the machines are up (and an item's init tasks
 * passed) with its record.
 */
export async function startPlayground(options: StartPlaygroundOptions): Promise<PlaygroundRecord> {
  const stateDir = playgroundStateDir();
  const slug = options.target.replace(/^.*[:/]/, '').replace(/[^a-z0-9-]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase().slice(0, 24) || 'playground';
  const id = `${slug}-${randomBytes(3).toString('hex')}`;
  const hostOptions: HostOptions = { id, target: options.target, dir: path.resolve(options.dir ?? '.'), stateDir, ...(options.ssh ? { ssh: true } : {}), ...(options.proxyCommand ? { proxyCommand: options.proxyCommand } : {}), ...(options.conditions ? { conditions: options.conditions } : {}) };
  const logPath = path.join(stateDir, `${id}.log`);
  const log = openSync(logPath, 'a', 0o600);
  const [command, ...args] = options.host;
  const child = spawn(command!, [...args, JSON.stringify(hostOptions)], { detached: true, stdio: ['ignore', log, log, 'pipe'], cwd: hostOptions.dir });
  closeSync(log);
  const status = child.stdio[3] as net.Socket;
  return new Promise<PlaygroundRecord>((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      status.destroy();
      child.unref();
      fn();
    };
    status.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        let message: { type: string; message?: string; record?: PlaygroundRecord };
        try {
          message = JSON.parse(line) as typeof message;
        } catch {
          continue;
        }
        if (message.type === 'progress' && message.message) options.onProgress?.(message.message);
        else if (message.type === 'ready' && message.record) settle(() => resolve(message.record!));
        else if (message.type === 'error') settle(() => reject(RuntimeErrors.PlaygroundStartFailed(options.target, message.message ?? 'unknown error')));
      }
    });
    status.on('error', () => {}); // the child's end closing early shows as its exit below
    child.on('exit', (code) => {
      let tail = '';
      try {
        tail = readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n');
      } catch {} // no log yet: the exit code alone is the message
      settle(() => reject(RuntimeErrors.PlaygroundStartFailed(options.target, `the supervisor exited (${code}) before the playground was ready${tail ? `:\n${tail}` : ''}`)));
    });
  });
}

export function listPlaygrounds(): PlaygroundRecord[] {
  return readRecords(playgroundStateDir());
}

export function findPlayground(id: string): PlaygroundRecord {
  const found = listPlaygrounds().find((r) => r.id === id);
  if (!found) throw RuntimeErrors.PlaygroundNotRunning(id);
  return found;
}

/** Opens a control connection, sends `request`, and resolves after the supervisor's `{"ok":true}` line with the socket and any bytes past it. */
export function openControl(record: PlaygroundRecord, request: ControlRequest): Promise<{ socket: net.Socket; rest: Buffer; reply: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection(record.socket);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const nl = head.indexOf(10);
      if (nl < 0) return;
      socket.off('data', onData);
      socket.pause();
      let reply: Record<string, unknown>;
      try {
        reply = JSON.parse(head.subarray(0, nl).toString()) as Record<string, unknown>;
      } catch {
        socket.destroy();
        return reject(RuntimeErrors.PlaygroundRequest(record.id, 'the supervisor sent something that is not JSON'));
      }
      if (typeof reply.error === 'string') {
        socket.destroy();
        return reject(RuntimeErrors.PlaygroundRequest(record.id, reply.error));
      }
      resolve({ socket, rest: head.subarray(nl + 1), reply });
    };
    socket.on('data', onData);
    socket.once('error', (error) => reject(RuntimeErrors.PlaygroundRequest(record.id, `control socket: ${error.message}`)));
    socket.once('connect', () => socket.write(`${JSON.stringify(request)}\n`));
  });
}

/** Stops one playground and waits until its supervisor (and so its QEMUs) has exited. */
export async function stopPlayground(id: string): Promise<void> {
  const record = findPlayground(id);
  try {
    const { socket } = await openControl(record, { op: 'stop' });
    socket.destroy();
  } catch {
    signal(record.pid, 'SIGTERM');
  }
  if (record.keptBy) {
    // A kept playground of a lab test run: its machines are gone once its record is.
    for (let i = 0; i < 200 && existsSync(recordPath(playgroundStateDir(), record.id)) && processAlive(record.pid); i++) await sleep(100);
    readRecords(playgroundStateDir());
    return;
  }
  for (let i = 0; i < 200 && processAlive(record.pid); i++) await sleep(100);
  if (processAlive(record.pid)) signal(record.pid, 'SIGKILL');
  readRecords(playgroundStateDir()); // clears what a killed supervisor left
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

export interface RunInPlaygroundOptions {
  machine?: string;
  user?: string;
  /** Shell script; omitted with `tty`: an interactive login shell on a pty. */
  script?: string;
  tty?: { cols: number; rows: number };
  stdin?: NodeJS.ReadableStream | Buffer;
  onStdout: (data: Buffer) => void;
  onStderr: (data: Buffer) => void;
  /** Terminal size changes (pty sessions). */
  onResize?: (listener: (cols: number, rows: number) => void) => void;
}

/** Runs a command (or a shell) in a machine; resolves with its exit code. */
export async function runInPlayground(id: string, options: RunInPlaygroundOptions): Promise<number> {
  const record = findPlayground(id);
  const { socket, rest } = await openControl(record, {
    op: 'exec',
    ...(options.machine ? { machine: options.machine } : {}),
    ...(options.user ? { user: options.user } : {}),
    ...(options.script !== undefined ? { script: options.script } : {}),
    ...(options.tty ? { tty: options.tty } : {}),
  });
  const send = (frame: Parameters<typeof encodeChannel>[0]) => {
    if (!socket.destroyed) for (const b of encodeChannel(frame)) socket.write(b);
  };
  options.onResize?.((cols, rows) => send({ type: 'resize', cols, rows }));
  return new Promise<number>((resolve, reject) => {
    let code: number | undefined;
    const decoder = new ChannelDecoder();
    const onData = (chunk: Buffer) => {
      const { frames, error } = decoder.push(chunk);
      for (const f of frames) {
        if (f.type === 'stdout') options.onStdout(f.data);
        else if (f.type === 'stderr') options.onStderr(f.data);
        else if (f.type === 'exit') code = f.code;
      }
      if (error) socket.destroy(new Error(error));
    };
    socket.on('data', onData);
    socket.on('error', (error) => reject(RuntimeErrors.PlaygroundRequest(id, error.message)));
    socket.on('close', () => (code === undefined ? reject(RuntimeErrors.PlaygroundRequest(id, 'the connection closed before the command ended')) : resolve(code)));
    if (rest.length) onData(rest);
    socket.resume();
    const stdin = options.stdin;
    if (Buffer.isBuffer(stdin)) {
      send({ type: 'stdin', data: stdin });
      send({ type: 'eof' });
    } else if (stdin) {
      stdin.on('data', (d: Buffer | string) => send({ type: 'stdin', data: typeof d === 'string' ? Buffer.from(d) : d }));
      stdin.on('end', () => send({ type: 'eof' }));
    } else send({ type: 'eof' });
  });
}

/** A raw TCP stream to `127.0.0.1:<port>` inside a machine (what port-forward and ssh-proxy use). */
export async function connectToPlayground(id: string, port: number, machine?: string): Promise<net.Socket> {
  const { socket, rest } = await openControl(findPlayground(id), { op: 'connect', port, ...(machine ? { machine } : {}) });
  if (rest.length) socket.unshift(rest);
  return socket;
}

export interface PortForward {
  /** The loopback address and port actually bound (port 0 picks one). */
  address: { host: string; port: number };
  close(): Promise<void>;
}

/**
 * Listens on `host:localPort` (loopback unless the caller says otherwise)
 * and carries each connection to `127.0.0.1:remotePort` in the machine.
 */
export async function forwardPort(id: string, options: { localPort: number; remotePort: number; host?: string; machine?: string; onError?: (error: Error) => void }): Promise<PortForward> {
  findPlayground(id);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((local) => {
    sockets.add(local);
    local.on('close', () => sockets.delete(local));
    local.pause();
    connectToPlayground(id, options.remotePort, options.machine).then(
      (remote) => {
        local.pipe(remote).pipe(local);
        remote.on('error', () => local.destroy());
        local.on('error', () => remote.destroy());
        local.on('close', () => remote.destroy());
        remote.resume();
        local.resume();
      },
      (error: Error) => {
        options.onError?.(error);
        local.destroy();
      },
    );
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.localPort, host, resolve));
  const bound = server.address() as net.AddressInfo;
  return {
    address: { host, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `lab ssh-proxy`: this process's stdin/stdout become an SSH connection to the machine's sshd (inetd mode). */
export async function sshProxy(id: string, machine: string | undefined, stdin: NodeJS.ReadableStream, stdout: NodeJS.WritableStream): Promise<number> {
  return runInPlayground(id, {
    ...(machine ? { machine } : {}),
    user: 'root',
    script: GUEST_SSHD_COMMAND,
    stdin,
    onStdout: (d) => stdout.write(d),
    onStderr: (d) => process.stderr.write(d),
  });
}

/** `lab cp`: a local file into a machine. */
export async function copyToPlayground(id: string, localFile: string, remotePath: string, options: { machine?: string; user?: string } = {}): Promise<void> {
  const content = readFileSync(localFile);
  let stderr = '';
  const q = shellQuote(remotePath);
  const code = await runInPlayground(id, {
    ...options,
    script: `if [ -d ${q} ]; then t=${q}/${shellQuote(path.basename(localFile))}; else t=${q}; fi; mkdir -p "$(dirname "$t")" && cat > "$t"`,
    stdin: content,
    onStdout: () => {},
    onStderr: (d) => (stderr += d.toString()),
  });
  if (code !== 0) throw RuntimeErrors.PlaygroundRequest(id, `copying to ${remotePath} failed (${code}): ${stderr.trim()}`);
}

/** `lab cp`: a file of a machine to a local file (binary-safe, streamed). */
export async function copyFromPlayground(id: string, remotePath: string, out: NodeJS.WritableStream, options: { machine?: string; user?: string } = {}): Promise<void> {
  let stderr = '';
  const code = await runInPlayground(id, {
    ...options,
    script: `cat ${shellQuote(remotePath)}`,
    onStdout: (d) => out.write(d),
    onStderr: (d) => (stderr += d.toString()),
  });
  if (code !== 0) throw RuntimeErrors.PlaygroundRequest(id, `copying ${remotePath} failed (${code}): ${stderr.trim()}`);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
