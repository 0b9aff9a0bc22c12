import { chmodSync, createWriteStream, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isLabkitError } from '@labkit/sdk';
import { TaskEngine } from '../engine/task-engine.ts';
import type { Machine, RunningPlayground } from '../provider.ts';
import { QemuProvider } from '../providers/qemu/qemu-provider.ts';
import { applyStartupFiles } from '../server/session.ts';
import { chooseConditions } from '../engine/conditions.ts';
import { ChannelDecoder, encodeChannel, type ChannelFrame } from './channel.ts';
import { recordPath, type PlaygroundRecord } from './host-record.ts';
import { resolvePlaygroundTarget } from './resolve-target.ts';
import { setUpSsh } from './ssh-setup.ts';

/** What `startPlayground` hands the detached supervisor (one JSON argument). */
export interface HostOptions {
  id: string;
  target: string;
  /** The content folder the target is looked up in. */
  dir: string;
  stateDir: string;
  /** Generate keys and an OpenSSH config, and start an sshd in each machine. */
  ssh?: boolean;
  /** The `lab` command line that runs `lab ssh-proxy` (for the generated config). */
  proxyCommand?: string[];
  /** Init condition values (`--condition key=value`), checked against the definition's; other keys take its defaults. */
  conditions?: Record<string, string>;
}

/** The first line a client sends on a control connection. */
export type ControlRequest =
  | { op: 'info' }
  | { op: 'stop' }
  | { op: 'exec'; machine?: string; user?: string; script?: string; cwd?: string; env?: Record<string, string>; tty?: { cols: number; rows: number } }
  | { op: 'connect'; machine?: string; port: number };

const MAX_REQUEST_LINE = 64 * 1024;

/**
 * The body of the small detached process that owns one playground's QEMUs
 * (they die with it: pdeathsig). It boots the machines, applies startup
 * files, runs an item's init tasks, then serves its control socket until a
 * `stop` request or a signal. Progress and the outcome go to fd 3 as JSON
 * lines, which the starting `lab` reads before it exits.
 */
export async function hostPlayground(options: HostOptions): Promise<void> {
  const status = createWriteStream('', { fd: 3 });
  status.on('error', () => {}); // the starting `lab` may have exited; the playground keeps running without it
  const say = (message: object) => status.write(`${JSON.stringify(message)}\n`);
  const socketPath = path.join(options.stateDir, `${options.id}.sock`);
  let playground: RunningPlayground | undefined;
  let server: net.Server | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (why: string) =>
    (stopping ??= (async () => {
      process.stderr.write(`stopping: ${why}\n`);
      server?.close();
      await playground?.dispose().catch(() => {}); // stopping anyway; the machines die with this process (pdeathsig)
      rmSync(recordPath(options.stateDir, options.id), { force: true });
      rmSync(socketPath, { force: true });
      rmSync(path.join(options.stateDir, `${options.id}-ssh`), { recursive: true, force: true });
      rmSync(path.join(options.stateDir, `${options.id}.log`), { force: true });
      process.exit(0);
    })());
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

  try {
    const item = await resolvePlaygroundTarget(options.target, options.dir);
    const chosen = chooseConditions(item.initConditions, options.conditions);
    if ('error' in chosen) throw new Error(chosen.error);
    say({ type: 'progress', message: `booting ${item.machines.map((m) => m.name).join(', ')} (${item.title})` });
    playground = await new QemuProvider().provision({
      machines: item.machines.map(({ name, image, definition, memoryMiB, cpus, address }) => ({ name, ...(image ? { image } : {}), ...(definition ? { definition } : {}), ...(memoryMiB ? { memoryMiB } : {}), ...(cpus ? { cpus } : {}), ...(address ? { address } : {}) })),
    });
    for (const m of playground.machines) m.onStateChange((state, detail) => void (state === 'failed' && stop(`machine ${m.name} failed: ${detail ?? ''}`)));
    await applyStartupFiles(item, playground);
    let init: PlaygroundRecord['init'];
    const taskCount = Object.keys(item.tasks).length;
    if (taskCount) {
      say({ type: 'progress', message: `running init tasks of ${item.id}` });
      // As lab serve starts a session: the chosen init condition values pick the tasks, answers land in :destination: files.
      const engine = new TaskEngine({ tasks: item.tasks, playground, conditions: chosen.values, ...(item.destinations ? { destinations: item.destinations } : {}) });
      let detail = '';
      engine.subscribe((event) => {
        if (event.type === 'playground' && event.status === 'failed') detail = event.detail ?? '';
      });
      const ok = await engine.runInit();
      await engine.stop();
      if (!ok) throw new Error(`init failed: ${detail}`);
      init = { tasks: taskCount, ok };
    }
    const record: PlaygroundRecord = {
      id: options.id,
      target: options.target,
      title: item.title,
      pid: process.pid,
      socket: socketPath,
      machines: item.machines.map((m) => ({ name: m.name, user: m.user })),
      startedAt: new Date().toISOString(),
      ...(init ? { init } : {}),
      ...(Object.keys(chosen.values).length ? { conditions: chosen.values } : {}),
    };
    if (options.ssh) {
      say({ type: 'progress', message: 'starting sshd in the machines' });
      record.ssh = await setUpSsh(playground, record, options);
    }
    const running = playground;
    server = net.createServer((socket) => serveConnection(socket, running, record, stop));
    await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(socketPath, resolve));
    server.on('error', (error) => process.stderr.write(`control socket: ${error.message}\n`));
    chmodSync(socketPath, 0o600);
    writeFileSync(recordPath(options.stateDir, options.id), JSON.stringify(record, null, 2), { mode: 0o600 });
    say({ type: 'ready', record });
    status.end();
  } catch (error) {
    say({ type: 'error', message: isLabkitError(error) ? error.message : error instanceof Error ? error.message : String(error) });
    // Flushed before stop() exits the process: the starting `lab` reports this line, not "the supervisor exited".
    await new Promise<void>((resolve) => status.end(resolve));
    await stop('start failed');
  }
}

/** One control connection: a JSON request line, then the channel it asks for (also used by `keepPlayground`). */
export function serveConnection(socket: net.Socket, playground: RunningPlayground, record: PlaygroundRecord, stop: (why: string) => Promise<void>): void {
  socket.on('error', () => {}); // a client gone mid-request: its 'close' ends the channel
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const nl = head.indexOf(10);
    if (nl < 0) {
      if (head.length > MAX_REQUEST_LINE) socket.destroy();
      return;
    }
    socket.off('data', onData);
    socket.pause();
    const rest = head.subarray(nl + 1);
    let request: ControlRequest;
    try {
      request = JSON.parse(head.subarray(0, nl).toString()) as ControlRequest;
    } catch {
      return void socket.end(`${JSON.stringify({ error: 'the request is not JSON' })}\n`);
    }
    try {
      handle(request, socket, rest, playground, record, stop);
    } catch (error) {
      socket.end(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
    }
  };
  socket.on('data', onData);
}

function pickMachine(playground: RunningPlayground, name: string | undefined): Machine {
  const machine = name ? playground.machines.find((m) => m.name === name) : playground.machines[0];
  if (!machine) throw new Error(`no machine ${name} (machines: ${playground.machines.map((m) => m.name).join(', ')})`);
  return machine;
}

function handle(request: ControlRequest, socket: net.Socket, rest: Buffer, playground: RunningPlayground, record: PlaygroundRecord, stop: (why: string) => Promise<void>): void {
  switch (request.op) {
    case 'info':
      return void socket.end(`${JSON.stringify(record)}\n`);
    case 'stop':
      socket.end(`${JSON.stringify({ ok: true })}\n`);
      return void stop('stop requested');
    case 'exec':
      return execChannel(request, socket, rest, pickMachine(playground, request.machine), record);
    case 'connect':
      return connectChannel(request, socket, rest, pickMachine(playground, request.machine));
    default:
      throw new Error(`unknown op ${(request as { op: unknown }).op}`);
  }
}

/** A command (stdin piped) or a login shell on a pty, framed with `channel.ts`. */
function execChannel(request: Extract<ControlRequest, { op: 'exec' }>, socket: net.Socket, rest: Buffer, machine: Machine, record: PlaygroundRecord): void {
  const user = typeof request.user === 'string' && request.user ? request.user : (record.machines.find((m) => m.name === machine.name)?.user ?? 'root');
  const send = (frame: ChannelFrame) => {
    if (!socket.destroyed) for (const b of encodeChannel(frame)) socket.write(b);
  };
  let input: { write(data: Buffer): void; end(): void; resize(cols: number, rows: number): void; kill(): void };
  if (typeof request.script !== 'string' && request.tty && machine.openTerminal) {
    const t = machine.openTerminal({
      user,
      cols: request.tty.cols,
      rows: request.tty.rows,
      onData: (data) => send({ type: 'stdout', data }),
      onExit: (code) => {
        send({ type: 'exit', code });
        socket.end();
      },
    });
    input = { write: (d) => t.write(d), end: () => {}, resize: (c, r) => t.resize(c, r), kill: () => t.close() };
  } else {
    if (!machine.spawn) throw new Error(`machine ${machine.name} cannot run commands with input`);
    const p = machine.spawn({
      script: typeof request.script === 'string' ? request.script : 'exec "${SHELL:-/bin/sh}" -l',
      user,
      ...(request.cwd ? { cwd: request.cwd } : {}),
      ...(request.env ? { env: request.env } : {}),
      onOutput: (stream, data) => send({ type: stream, data }),
    });
    p.result.then(
      (r) => {
        send({ type: 'exit', code: r.exitCode < 0 ? 128 + (r.signal ?? 9) : r.exitCode });
        socket.end();
      },
      (error: Error) => {
        send({ type: 'stderr', data: Buffer.from(`${error.message}\n`) });
        send({ type: 'exit', code: 255 });
        socket.end();
      },
    );
    input = { write: (d) => p.write(d), end: () => p.end(), resize: () => {}, kill: () => p.kill() };
  }
  socket.write(`${JSON.stringify({ ok: true })}\n`);
  const decoder = new ChannelDecoder();
  const onData = (chunk: Buffer) => {
    const { frames, error } = decoder.push(chunk);
    for (const f of frames) {
      if (f.type === 'stdin') input.write(f.data);
      else if (f.type === 'eof') input.end();
      else if (f.type === 'resize') input.resize(f.cols, f.rows);
      else if (f.type === 'kill') input.kill();
    }
    if (error) {
      input.kill();
      socket.destroy();
    }
  };
  socket.on('data', onData);
  // The client went away: nothing should keep running on its behalf.
  socket.on('close', () => input.kill());
  if (rest.length) onData(rest);
  socket.resume();
}

/**
 * A TCP connection to `127.0.0.1:<port>` inside the machine, as raw bytes
 * after the `{"ok":true}` line: busybox `nc` runs as a SPAWN job and its
 * stdin/stdout carry the stream (port-forward and ssh-proxy ride on this).
 */
function connectChannel(request: Extract<ControlRequest, { op: 'connect' }>, socket: net.Socket, rest: Buffer, machine: Machine): void {
  const port = request.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port ${String(port)} is not a TCP port (1-65535)`);
  if (!machine.spawn) throw new Error(`machine ${machine.name} cannot forward ports`);
  const p = machine.spawn({
    script: `exec nc 127.0.0.1 ${port}`,
    onOutput: (stream, data) => {
      if (stream === 'stdout') socket.write(data);
      else process.stderr.write(`connect ${machine.name}:${port}: ${data.toString()}`);
    },
  });
  p.result.then(
    () => socket.end(),
    () => socket.destroy(),
  );
  socket.write(`${JSON.stringify({ ok: true })}\n`);
  socket.on('data', (d: Buffer) => p.write(d));
  socket.on('end', () => p.end());
  socket.on('close', () => p.kill());
  if (rest.length) p.write(rest);
  socket.resume();
}
