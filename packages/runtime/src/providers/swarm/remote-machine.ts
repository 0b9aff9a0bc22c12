import net from 'node:net';
import { RuntimeErrors } from '../../errors.ts';
import type { CopyInFile, ExecRequest, ExecResult, Machine, MachineState, SpawnRequest, SpawnedProcess, Terminal, TerminalRequest } from '../../provider.ts';
import { readLines, sendLine } from './runner-protocol.ts';

/** How a remote machine reaches its runner: host and port on the overlay, the session's secret. */
export interface RunnerAddress {
  host: string;
  port: number;
  secret: string;
}

const CONNECT_TIMEOUT_MS = 5_000;

/** Opens one operation's connection to the runner and sends its first line. */
export function openRunner(address: RunnerAddress, hello: Record<string, unknown>): net.Socket {
  const socket = net.connect({ host: address.host, port: address.port });
  socket.setNoDelay(true);
  const timer = setTimeout(() => socket.destroy(new Error(`no answer from the runner at ${address.host}:${address.port} in ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
  // The first line is written now, not on 'connect': a socket queues writes
  // until it connects, and a spawn's input written before then must follow it.
  sendLine(socket, { ...hello, secret: address.secret });
  socket.once('connect', () => clearTimeout(timer));
  socket.once('close', () => clearTimeout(timer));
  return socket;
}

/**
 * A machine that runs in a session's runner container on some Swarm node:
 * every call is one connection to the runner, which calls the same method
 * on its QEMU machine. Its state follows the runner's link; a link that
 * goes silent (the node died) fails the machine, and the session with it.
 */
export class RemoteMachine implements Machine {
  readonly name: string;
  #state: MachineState = 'ready';
  #listeners = new Set<(state: MachineState, detail?: string) => void>();
  #address: RunnerAddress;
  #open = new Set<net.Socket>();

  constructor(name: string, address: RunnerAddress) {
    this.name = name;
    this.#address = address;
  }

  get state(): MachineState {
    return this.#state;
  }

  /** Called by the playground when the runner reports a change, or the link is lost. */
  setState(state: MachineState, detail?: string): void {
    if (this.#state === state || this.#state === 'stopped' || this.#state === 'failed') return;
    this.#state = state;
    if (state === 'failed' || state === 'stopped') for (const s of this.#open) s.destroy();
    for (const l of this.#listeners) l(state, detail);
  }

  onStateChange(listener: (state: MachineState, detail?: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #connect(hello: Record<string, unknown>): net.Socket {
    if (this.#state !== 'ready') throw RuntimeErrors.MachineDied(this.name, `the machine is ${this.#state}`);
    const socket = openRunner(this.#address, { ...hello, machine: this.name });
    this.#open.add(socket);
    socket.once('close', () => this.#open.delete(socket));
    return socket;
  }

  exec(request: ExecRequest): Promise<ExecResult> {
    const { onOutput, ...rest } = request;
    const socket = this.#connect({ op: 'exec', request: rest, stream: onOutput !== undefined });
    // The runner enforces timeoutMs; this guard only covers a runner that stops answering.
    const guard = setTimeout(() => socket.destroy(), request.timeoutMs + 15_000);
    socket.once('close', () => clearTimeout(guard));
    return this.#result(socket, onOutput);
  }

  /** The exec result a runner sends on `socket`, passing output lines to `onOutput` until then. */
  #result(socket: net.Socket, onOutput: ((stream: 'stdout' | 'stderr', data: Buffer) => void) | undefined): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      let done = false;
      readLines(socket, (m) => {
        if (typeof m.o === 'string' && typeof m.d === 'string') onOutput?.(m.o as 'stdout' | 'stderr', Buffer.from(m.d, 'base64'));
        else if (m.result) {
          done = true;
          resolve(m.result as ExecResult);
        } else if (typeof m.error === 'string') {
          done = true;
          reject(RuntimeErrors.MachineDied(this.name, m.error));
        }
      });
      // Errors end in 'close', which rejects below with what the learner needs to know.
      socket.on('error', () => {});
      socket.once('close', () => {
        if (!done) reject(RuntimeErrors.MachineDied(this.name, 'the connection to its runner closed'));
      });
    });
  }

  copyIn(file: CopyInFile): Promise<void> {
    return new Promise((resolve, reject) => {
      const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
      const socket = this.#connect({ op: 'copyIn', file: { path: file.path, content: content.toString('base64'), ...(file.mode !== undefined ? { mode: file.mode } : {}), ...(file.owner ? { owner: file.owner } : {}) } });
      let done = false;
      readLines(socket, (m) => {
        done = true;
        if (m.ok) resolve();
        // The agent refused the write (a learner's symlink on the path): the machine lives on.
        else if (typeof m.refused === 'string') reject(RuntimeErrors.AgentRefused(this.name, m.refused));
        else reject(RuntimeErrors.MachineDied(this.name, String(m.error ?? 'copy failed')));
      });
      socket.on('error', () => {});
      socket.once('close', () => {
        if (!done) reject(RuntimeErrors.MachineDied(this.name, 'the connection to its runner closed'));
      });
    });
  }

  openTerminal(request: TerminalRequest): Terminal {
    const { onData, onExit, ...rest } = request;
    const socket = this.#connect({ op: 'terminal', request: rest });
    let exited = false;
    readLines(socket, (m) => {
      if (typeof m.d === 'string') onData(Buffer.from(m.d, 'base64'));
      else if (typeof m.exit === 'number') {
        exited = true;
        onExit(m.exit);
      }
    });
    socket.on('error', () => {});
    socket.once('close', () => {
      if (!exited) onExit(-1);
    });
    return {
      write: (data) => sendLine(socket, { d: Buffer.from(data).toString('base64') }),
      resize: (cols, rows) => sendLine(socket, { resize: [cols, rows] }),
      close: () => socket.destroy(),
    };
  }

  spawn(request: SpawnRequest): SpawnedProcess {
    const { onOutput, ...rest } = request;
    const socket = this.#connect({ op: 'spawn', request: rest });
    const result = this.#result(socket, onOutput);
    result.catch(() => {});
    return {
      write: (data) => sendLine(socket, { d: data.toString('base64') }),
      end: () => sendLine(socket, { eof: true }),
      kill: () => sendLine(socket, { kill: true }),
      result,
    };
  }

  async dispose(): Promise<void> {
    this.setState('stopped');
  }
}
