import type { Duplex } from 'node:stream';
import type { LabkitError } from '@labkit/sdk';
import { RuntimeErrors } from '../errors.ts';
import type { CopyInFile, ExecRequest, ExecResult, Terminal, TerminalRequest } from '../provider.ts';
import {
  EXIT_FAILED_TO_START,
  EXIT_STDERR_TRUNCATED,
  EXIT_STDOUT_TRUNCATED,
  EXIT_TIMED_OUT,
  FrameDecoder,
  encodeExec,
  encodeInput,
  encodeKill,
  encodeHostname,
  encodePing,
  encodePty,
  encodeResize,
  encodePowerOff,
  encodeWrite,
} from './agent-protocol.ts';

export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;
/** How long past a script's own timeout the host waits before declaring the guest hung. */
export const WATCHDOG_GRACE_MS = 30_000;

interface Pending {
  resolve: (value: never) => void;
  reject: (error: Error) => void;
  stdout: Buffer[];
  stderr: Buffer[];
  onOutput?: ExecRequest['onOutput'];
  kind: 'exec' | 'ack';
  watchdog?: NodeJS.Timeout;
}

/**
 * Talks to one guest agent over a byte stream (virtio-serial socket, or a
 * Firecracker vsock socket). The agent enforces each script's timeout
 * itself; the host watchdog only fires when the agent fails to report a
 * result `WATCHDOG_GRACE_MS` after that, and then calls `onHung` so the
 * owner can kill the machine instead of waiting forever.
 */
export class AgentClient {
  readonly ready: Promise<string>;
  #socket: Duplex;
  #machine: string;
  #pending = new Map<number, Pending>();
  #terminals = new Map<number, TerminalRequest>();
  #nextId = 1;
  #failed: LabkitError | undefined;
  #onHung: (error: LabkitError) => void;
  #graceMs: number;

  constructor(socket: Duplex, machine: string, options: { onHung: (error: LabkitError) => void; graceMs?: number }) {
    this.#socket = socket;
    this.#machine = machine;
    this.#onHung = options.onHung;
    this.#graceMs = options.graceMs ?? WATCHDOG_GRACE_MS;
    let hello: (version: string) => void = () => {};
    this.ready = new Promise((resolve) => (hello = resolve));
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (frame.type === 'hello') hello(frame.version);
        else if (frame.type === 'out' && this.#terminals.has(frame.id)) this.#terminals.get(frame.id)!.onData(frame.data);
        else if (frame.type === 'exit' && this.#terminals.has(frame.id)) {
          const t = this.#terminals.get(frame.id)!;
          this.#terminals.delete(frame.id);
          t.onExit(frame.flags & EXIT_FAILED_TO_START ? 127 : frame.code);
        } else if (frame.type === 'out') {
          const p = this.#pending.get(frame.id);
          if (!p) continue;
          (frame.stream === 'stdout' ? p.stdout : p.stderr).push(frame.data);
          p.onOutput?.(frame.stream, frame.data);
        } else if (frame.type === 'exit') {
          const p = this.#take(frame.id);
          if (!p) continue;
          const timedOut = (frame.flags & EXIT_TIMED_OUT) !== 0;
          const result: ExecResult = {
            exitCode: frame.flags & EXIT_FAILED_TO_START ? 127 : frame.signal ? -1 : frame.code,
            timedOut,
            stdout: Buffer.concat(p.stdout).toString(),
            stderr: Buffer.concat(p.stderr).toString(),
            truncated: (frame.flags & (EXIT_STDOUT_TRUNCATED | EXIT_STDERR_TRUNCATED)) !== 0,
            durationMs: frame.durationMs,
            ...(frame.signal ? { signal: frame.signal } : {}),
          };
          p.resolve(result as never);
        } else if (frame.type === 'ack') {
          const p = this.#take(frame.id);
          if (!p) continue;
          if (frame.errno) p.reject(RuntimeErrors.MachineDied(this.#machine, `agent refused: ${frame.message}`));
          else p.resolve(undefined as never);
        }
      }
    });
    socket.on('error', () => {});
  }

  exec(request: ExecRequest): Promise<ExecResult> {
    const id = this.#nextId++;
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
      request.onOutput,
    );
  }

  copyIn(file: CopyInFile): Promise<void> {
    const id = this.#nextId++;
    return this.#send<void>(id, 'ack', encodeWrite(id, { path: file.path, mode: file.mode ?? 0o644, owner: file.owner ?? 'root', content: file.content }), 30_000 + this.#graceMs);
  }

  setHostname(name: string): Promise<void> {
    const id = this.#nextId++;
    return this.#send<void>(id, 'ack', encodeHostname(id, name), 10_000 + this.#graceMs);
  }

  ping(timeoutMs = 5_000): Promise<void> {
    const id = this.#nextId++;
    return this.#send<void>(id, 'ack', encodePing(id), timeoutMs);
  }

  /** Opens an interactive login shell on a pty in the guest (the playground terminal). */
  openTerminal(request: TerminalRequest): Terminal {
    const id = this.#nextId++;
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

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    if (!p) return undefined;
    this.#pending.delete(id);
    if (p.watchdog) clearTimeout(p.watchdog);
    return p;
  }

  #send<T>(id: number, kind: Pending['kind'], bytes: Buffer, watchdogMs: number, onOutput?: ExecRequest['onOutput']): Promise<T> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = { resolve: resolve as (v: never) => void, reject, stdout: [], stderr: [], kind, ...(onOutput ? { onOutput } : {}) };
      pending.watchdog = setTimeout(() => {
        const error = RuntimeErrors.AgentUnresponsive(this.#machine, Math.round(this.#graceMs / 1000));
        this.#take(id);
        reject(error);
        this.#onHung(error);
      }, watchdogMs);
      this.#pending.set(id, pending);
      this.#socket.write(bytes);
    });
  }
}
