import { randomInt } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { LabkitError } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import type { CopyInFile, ExecRequest, ExecResult, SpawnRequest, SpawnedProcess, Terminal, TerminalRequest } from '../provider.ts';
import {
  EXIT_FAILED_TO_START,
  EXIT_STDERR_TRUNCATED,
  EXIT_STDOUT_TRUNCATED,
  EXIT_TIMED_OUT,
  FrameDecoder,
  type AgentFrame,
  encodeExec,
  encodeSpawn,
  encodeCloseStdin,
  encodeInput,
  encodeKill,
  encodeHostname,
  encodeIdentity,
  encodePing,
  encodePty,
  encodeResize,
  encodePowerOff,
  encodeWrite,
} from './agent-protocol.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
/** How long past a script's own timeout the host waits before declaring the guest hung. */
export const WATCHDOG_GRACE_MS = 30_000;

/** Ids of settled requests kept to tell a late frame from a forged one. */
const RETIRED_IDS = 1_024;

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  stdout: Buffer[];
  stderr: Buffer[];
  /** Bytes kept per stream, and the per-stream cap (also enforced host-side: a forging guest ignores the agent's). */
  size: { stdout: number; stderr: number };
  cap: number;
  truncated: boolean;
  onOutput?: ExecRequest['onOutput'];
  kind: 'exec' | 'ack';
  /** SPAWN requests stream output to `onOutput` only; nothing is kept. */
  stream?: boolean;
  watchdog?: NodeJS.Timeout;
}

export interface AgentClientOptions {
  /**
   * The agent can no longer be used: it gave no result `graceMs` after a
   * script's own timeout (`AgentUnresponsive`), or it sent a frame the host
   * refuses (`AgentProtocol`). Every call in flight has already been
   * rejected with `error`; the owner must stop the machine.
   */
  onFault: (error: LabkitError) => void;
  graceMs?: number;
}

/**
 * Talks to one guest agent over a byte stream (virtio-serial socket, or a
 * Firecracker vsock socket). The agent enforces each script's timeout
 * itself; the host watchdog only fires when the agent fails to report a
 * result `WATCHDOG_GRACE_MS` after that, and then calls `onFault` so the
 * owner can kill the machine instead of waiting forever.
 *
 * The guest is not trusted (the learner is root in it). Frames are decoded
 * with a size cap and a layout check per type; request ids are random 32-bit
 * numbers, so a frame for an id the host never issued is a forgery, not a
 * guess that can land; a frame whose type does not fit its request (an EXIT
 * for a file write) is one too. Any of these fails the machine with
 * `AgentProtocol` through `onFault`; nothing here throws into the caller's
 * event loop. What this does not stop is a guest that reads the ids out of
 * the agent's memory: see docs/runtime.md, "What a task status proves".
 */
export class AgentClient {
  readonly ready: Promise<string>;
  /** Frames that arrived for a request already settled (ignored), and HELLOs after the first (ignored). */
  readonly stats = { lateFrames: 0, extraHellos: 0 };
  #socket: Duplex;
  #machine: string;
  #pending = new Map<number, Pending>();
  #terminals = new Map<number, TerminalRequest>();
  #retired = new Set<number>();
  #failed: LabkitError | undefined;
  #onFault: (error: LabkitError) => void;
  #graceMs: number;
  #hello: ((version: string) => void) | undefined;
  #decoder = new FrameDecoder();

  constructor(socket: Duplex, machine: string, options: AgentClientOptions) {
    this.#socket = socket;
    this.#machine = machine;
    this.#onFault = options.onFault;
    this.#graceMs = options.graceMs ?? WATCHDOG_GRACE_MS;
    this.ready = new Promise((resolve) => (this.#hello = resolve));
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', () => {});
  }

  exec(request: ExecRequest): Promise<ExecResult> {
    const id = this.#newId();
    const env = Object.entries(request.env ?? {}).map(([k, v]) => `${k}=${v}`);
    return this.#send<ExecResult>(
      id,
      'exec',
      encodeExec(id, {
        timeoutMs: request.timeoutMs,
        maxOutput: request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
        user: request.user ?? 'root',
        cwd: request.cwd ?? '',
        script: request.script,
        env,
      }),
      request.timeoutMs + this.#graceMs,
      request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      request.onOutput,
    );
  }

  /**
   * Starts a command with a stdin pipe. Its output goes to `onOutput` as it
   * arrives, uncapped and unbuffered (the caller streams it somewhere); with
   * no `timeoutMs` the host sets no watchdog either: the command may run as
   * long as the caller keeps it (a port forward, an ssh session).
   */
  spawn(request: SpawnRequest): SpawnedProcess {
    const id = this.#newId();
    const env = Object.entries(request.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const timeoutMs = request.timeoutMs ?? 0;
    const result = this.#send<ExecResult>(
      id,
      'exec',
      encodeSpawn(id, { timeoutMs, maxOutput: 0xffff_ffff, user: request.user ?? 'root', cwd: request.cwd ?? '', script: request.script, env }),
      timeoutMs ? timeoutMs + this.#graceMs : 0,
      Number.MAX_SAFE_INTEGER,
      request.onOutput,
      true,
    );
    const live = () => !this.#failed && this.#pending.has(id);
    return {
      write: (data) => {
        // INPUT frames stay well under the agent's 64 MiB frame limit.
        for (let at = 0; at < data.length && live(); at += 1 << 20) this.#socket.write(encodeInput(id, data.subarray(at, at + (1 << 20))));
      },
      end: () => {
        if (live()) this.#socket.write(encodeCloseStdin(id));
      },
      kill: () => {
        if (live()) this.#socket.write(encodeKill(id));
      },
      result,
    };
  }

  copyIn(file: CopyInFile): Promise<void> {
    const id = this.#newId();
    return this.#send<void>(id, 'ack', encodeWrite(id, { path: file.path, mode: file.mode ?? 0o644, owner: file.owner ?? 'root', content: file.content }), 30_000 + this.#graceMs);
  }

  setHostname(name: string): Promise<void> {
    const id = this.#newId();
    return this.#send<void>(id, 'ack', encodeHostname(id, name), 10_000 + this.#graceMs);
  }

  /** Gives a machine restored from saved state its own identity (see `encodeIdentity`). */
  setIdentity(identity: { hostname: string; epochMs: number; seed: Buffer; machineId: string }): Promise<void> {
    const id = this.#newId();
    return this.#send<void>(id, 'ack', encodeIdentity(id, identity), 10_000 + this.#graceMs);
  }

  ping(timeoutMs = 5_000): Promise<void> {
    const id = this.#newId();
    return this.#send<void>(id, 'ack', encodePing(id), timeoutMs);
  }

  /** Opens an interactive login shell on a pty in the guest (the playground terminal). */
  openTerminal(request: TerminalRequest): Terminal {
    const id = this.#newId();
    if (this.#failed) {
      queueMicrotask(() => request.onExit(-1));
      return { write() {}, resize() {}, close() {} };
    }
    this.#terminals.set(id, request);
    const env = Object.entries(request.env ?? {}).map(([k, v]) => `${k}=${v}`);
    this.#socket.write(encodePty(id, { cols: request.cols, rows: request.rows, user: request.user ?? 'root', env }));
    return {
      write: (data) => {
        if (!this.#failed && this.#terminals.has(id)) this.#socket.write(encodeInput(id, typeof data === 'string' ? Buffer.from(data) : data));
      },
      resize: (cols, rows) => {
        if (!this.#failed && this.#terminals.has(id)) this.#socket.write(encodeResize(id, cols >>> 0, rows >>> 0));
      },
      close: () => {
        if (!this.#failed && this.#terminals.has(id)) this.#socket.write(encodeKill(id));
      },
    };
  }

  powerOff(): void {
    if (!this.#failed) this.#socket.write(encodePowerOff());
  }

  /** The machine is gone: every call in flight and every later call fails with `error`. */
  fail(error: LabkitError): void {
    if (this.#failed) return;
    this.#failed = error;
    for (const id of [...this.#pending.keys()]) this.#take(id)?.reject(error);
    const terminals = [...this.#terminals.values()];
    this.#terminals.clear();
    for (const t of terminals) t.onExit(-1);
  }

  /** A random id no request in flight uses: the guest cannot predict the next one from the last. */
  #newId(): number {
    for (;;) {
      const id = randomInt(1, 0x1_0000_0000);
      if (!this.#pending.has(id) && !this.#terminals.has(id) && !this.#retired.has(id)) return id;
    }
  }

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    this.#retire(id);
    if (p.watchdog) clearTimeout(p.watchdog);
    return p;
  }

  #retire(id: number): void {
    this.#retired.add(id);
    if (this.#retired.size > RETIRED_IDS) this.#retired.delete(this.#retired.values().next().value!);
  }

  /** The guest broke the protocol: fail everything, once, and tell the owner to stop the machine. */
  #violation(detail: string): void {
    if (this.#failed) return;
    const error = RuntimeErrors.AgentProtocol(this.#machine, detail);
    this.fail(error);
    this.#onFault(error);
  }

  #receive(chunk: Buffer): void {
    if (this.#failed) return; // the machine is being stopped: nothing it says counts any more
    const { frames, error } = this.#decoder.push(chunk);
    for (const frame of frames) {
      const problem = this.#dispatch(frame);
      if (problem) return this.#violation(problem);
      if (this.#failed) return;
    }
    if (error) this.#violation(error);
  }

  /** Applies one well-formed frame; returns why it is refused, if it is. */
  #dispatch(frame: AgentFrame): string | undefined {
    if (frame.type === 'hello') {
      if (this.#hello) {
        this.#hello(frame.version);
        this.#hello = undefined;
      } else this.stats.extraHellos++;
      return undefined;
    }
    const terminal = this.#terminals.get(frame.id);
    if (terminal) {
      if (frame.type === 'out') return void guard(() => terminal.onData(frame.data));
      if (frame.type === 'exit') {
        this.#terminals.delete(frame.id);
        this.#retire(frame.id);
        return void guard(() => terminal.onExit(frame.flags & EXIT_FAILED_TO_START ? 127 : frame.code));
      }
      return `an ACK for terminal request ${frame.id}`;
    }
    const p = this.#pending.get(frame.id);
    if (!p) {
      if (!this.#retired.has(frame.id)) return `a ${frame.type.toUpperCase()} frame for request ${frame.id}, which the host never issued`;
      this.stats.lateFrames++;
      return undefined;
    }
    if ((frame.type === 'ack') !== (p.kind === 'ack')) return `a ${frame.type.toUpperCase()} frame for ${p.kind === 'ack' ? 'a file or control' : 'a script'} request`;
    if (frame.type === 'out') {
      const room = p.cap - p.size[frame.stream];
      const data = frame.data.length > room ? frame.data.subarray(0, Math.max(0, room)) : frame.data;
      if (data.length < frame.data.length) p.truncated = true;
      if (data.length) {
        if (!p.stream) (frame.stream === 'stdout' ? p.stdout : p.stderr).push(data);
        p.size[frame.stream] += data.length;
        const onOutput = p.onOutput;
        if (onOutput) guard(() => onOutput(frame.stream, data));
      }
    } else if (frame.type === 'exit') {
      this.#take(frame.id);
      const timedOut = (frame.flags & EXIT_TIMED_OUT) !== 0;
      const result: ExecResult = {
        exitCode: frame.flags & EXIT_FAILED_TO_START ? 127 : frame.signal ? -1 : frame.code,
        timedOut,
        stdout: Buffer.concat(p.stdout).toString(),
        stderr: Buffer.concat(p.stderr).toString(),
        truncated: p.truncated || (frame.flags & (EXIT_STDOUT_TRUNCATED | EXIT_STDERR_TRUNCATED)) !== 0,
        durationMs: frame.durationMs,
        ...(frame.signal ? { signal: frame.signal } : {}),
      };
      p.resolve(result as never);
    } else {
      this.#take(frame.id);
      if (frame.errno) p.reject(RuntimeErrors.AgentRefused(this.#machine, frame.message));
      else p.resolve(undefined as never);
    }
    return undefined;
  }

  #send<T>(id: number, kind: Pending['kind'], bytes: Buffer, watchdogMs: number, cap = 0, onOutput?: ExecRequest['onOutput'], stream = false): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        resolve: resolve as (v: never) => void,
        reject,
        stdout: [],
        stderr: [],
        size: { stdout: 0, stderr: 0 },
        cap,
        truncated: false,
        kind,
        stream,
        ...(onOutput ? { onOutput } : {}),
      };
      if (watchdogMs > 0) pending.watchdog = setTimeout(() => {
        const error = RuntimeErrors.AgentUnresponsive(this.#machine, Math.round(this.#graceMs / 1000));
        this.#take(id);
        reject(error);
        this.fail(error);
        this.#onFault(error);
      }, watchdogMs);
      this.#pending.set(id, pending);
      this.#socket.write(bytes);
    });
  }
}

/** A listener (a closed WebSocket, a broken engine hook) must not turn a guest frame into an exception in the host's event loop. */
function guard(listener: () => void): void {
  try {
    listener();
  } catch {
    // The listener's owner reports its own failures; the agent connection stays usable.
  }
}
