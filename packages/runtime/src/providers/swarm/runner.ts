import net from 'node:net';
import type { ExecRequest, Machine, PlaygroundSpec, Provider, RunningPlayground, SpawnRequest, TerminalRequest } from '../../provider.ts';
import { agentRefusal } from '../../errors.ts';
import { LINK_PING_MS, readLines, RUNNER_PORT, secretMatches, sendLine } from './runner-protocol.ts';

export interface RunnerOptions {
  /** The per-session secret every connection must present. */
  secret: string;
  /** Boots the machines: the same QEMU provider (and warm pool) `lab serve` uses on one host. */
  provider: Provider;
  port?: number;
  host?: string;
  /** Called once the playground is disposed (the process then exits: the service's task is complete). */
  onDisposed?: () => void;
  onLog?: (line: string) => void;
}

/** Sends `result` (or its error's message) as the last line on `socket`, then ends it. */
function replyWith(socket: net.Socket, result: Promise<unknown>): void {
  result.then(
    (value) => {
      sendLine(socket, { result: value });
      socket.end();
    },
    (error: Error) => {
      sendLine(socket, { error: error.message });
      socket.end();
    },
  );
}

/**
 * Sends `{ok: true}` when `done` settles, else its error (and the agent's
 * reason when the agent refused, so the replica keeps the machine alive),
 * then ends `socket`.
 */
function replyOk(socket: net.Socket, done: Promise<unknown>): void {
  done.then(
    () => {
      sendLine(socket, { ok: true });
      socket.end();
    },
    (error: Error) => {
      const refused = agentRefusal(error);
      sendLine(socket, { error: error.message, ...(refused !== undefined ? { refused } : {}) });
      socket.end();
    },
  );
}

/** What a connection sends after its hello (spawn input, terminal keystrokes), if anything. */
type OnMessage = ((m: Record<string, unknown>) => void) | undefined;

/**
 * The program in a session's runner container: serves one playground to
 * the `lab serve` replicas that know the secret. It provisions once (a
 * second `provision` is refused), reports machine state changes and a
 * heartbeat on the link, and runs exec/spawn/terminal/copyIn on the
 * machines with the same runtime code as a local session.
 *
 * `close(stopping)`: the runner was told to stop from outside (SIGTERM: its
 * node is being drained, or its service was removed); the link says so
 * (`{stopping}`) before the machines go.
 */
export async function startRunner(options: RunnerOptions): Promise<{ port: number; close(stopping?: string): Promise<void> }> {
  const runner = new Runner(options);
  const port = await runner.listen(options.port ?? RUNNER_PORT, options.host ?? '0.0.0.0');
  return { port, close: (stopping?: string) => runner.dispose(stopping) };
}

/** One runner's playground and the connections to it: one method per op of the link. */
class Runner {
  #options: RunnerOptions;
  #log: (line: string) => void;
  #playground: RunningPlayground | undefined;
  #provisioning: Promise<RunningPlayground> | undefined;
  #disposing: Promise<void> | undefined;
  /** The provision connection(s): where `stopping` is announced. */
  #links = new Set<net.Socket>();
  #server: net.Server;

  constructor(options: RunnerOptions) {
    this.#options = options;
    this.#log = options.onLog ?? (() => {});
    this.#server = net.createServer((socket) => this.#accept(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => resolve((this.#server.address() as net.AddressInfo).port));
    });
  }

  dispose(stopping?: string): Promise<void> {
    return (this.#disposing ??= (async () => {
      // Said before the machines stop, so the replica tells the learner why instead of "stopped".
      if (stopping) for (const link of this.#links) sendLine(link, { stopping });
      const p = this.#playground ?? (await this.#provisioning?.catch(() => undefined));
      await p?.dispose().catch(() => {});
      this.#server.close();
      this.#options.onDisposed?.();
    })());
  }

  /** The first line is the hello (secret and op); later lines go to what the op returned. */
  #accept(socket: net.Socket): void {
    socket.on('error', () => socket.destroy());
    let hello: Record<string, unknown> | undefined;
    let onMessage: OnMessage;
    readLines(socket, (message) => {
      if (hello) return onMessage?.(message);
      hello = message;
      if (!secretMatches(message.secret, this.#options.secret)) {
        this.#log('refused a connection with a wrong secret');
        return void socket.destroy();
      }
      try {
        onMessage = this.#handle(message, socket);
      } catch (error) {
        sendLine(socket, { error: error instanceof Error ? error.message : String(error) });
        socket.end();
      }
    });
  }

  #handle(hello: Record<string, unknown>, socket: net.Socket): OnMessage {
    switch (hello.op) {
      case 'provision':
        return this.#provision(hello, socket);
      case 'exec':
        return this.#exec(hello, socket);
      case 'spawn':
        return this.#spawn(hello, socket);
      case 'terminal':
        return this.#terminal(hello, socket);
      case 'copyIn': {
        const file = hello.file as { path: string; content: string; mode?: number; owner?: string };
        const copy = { path: file.path, content: Buffer.from(file.content, 'base64'), ...(file.mode !== undefined ? { mode: file.mode } : {}), ...(file.owner ? { owner: file.owner } : {}) };
        replyOk(socket, this.#machine(hello.machine).copyIn(copy));
        return undefined;
      }
      case 'dispose':
        replyOk(socket, this.dispose(undefined));
        return undefined;
      default:
        throw new Error(`unknown op ${String(hello.op)}`);
    }
  }

  #machine(name: unknown): Machine {
    if (!this.#playground) throw new Error('the playground is not provisioned');
    const m = this.#playground.machines.find((x) => x.name === name);
    if (!m) throw new Error(`no machine ${String(name)}`);
    return m;
  }

  /** Once per runner; the connection stays open as the link (pings, machine states, `stopping`). */
  #provision(hello: Record<string, unknown>, socket: net.Socket): OnMessage {
    if (this.#provisioning) throw new Error('this runner has already provisioned its playground');
    const spec = hello.spec as PlaygroundSpec;
    this.#provisioning = this.#options.provider.provision(spec);
    const ping = setInterval(() => sendLine(socket, { ping: Date.now() }), LINK_PING_MS);
    this.#links.add(socket);
    socket.on('close', () => {
      clearInterval(ping);
      this.#links.delete(socket);
    });
    this.#provisioning.then(
      (p) => {
        this.#playground = p;
        for (const m of p.machines) m.onStateChange((state, detail) => sendLine(socket, { state, machine: m.name, ...(detail ? { detail } : {}) }));
        sendLine(socket, { ok: true, machines: p.machines.map((m) => ({ name: m.name, state: m.state })) });
        this.#log(`provisioned ${p.machines.map((m) => m.name).join(', ')}`);
      },
      (error: Error) => {
        sendLine(socket, { error: error.message });
        socket.end();
      },
    );
    return undefined;
  }

  #exec(hello: Record<string, unknown>, socket: net.Socket): OnMessage {
    const m = this.#machine(hello.machine);
    const request = hello.request as Omit<ExecRequest, 'onOutput'>;
    replyWith(socket, m.exec({ ...request, ...(hello.stream ? { onOutput: (o, d) => sendLine(socket, { o, d: d.toString('base64') }) } : {}) }));
    return undefined;
  }

  #spawn(hello: Record<string, unknown>, socket: net.Socket): OnMessage {
    const m = this.#machine(hello.machine);
    if (!m.spawn) throw new Error(`machine ${m.name} cannot run commands with input`);
    const request = hello.request as Omit<SpawnRequest, 'onOutput'>;
    const p = m.spawn({ ...request, onOutput: (o, d) => sendLine(socket, { o, d: d.toString('base64') }) });
    replyWith(socket, p.result);
    socket.on('close', () => p.kill());
    return (message) => {
      if (typeof message.d === 'string') p.write(Buffer.from(message.d, 'base64'));
      else if (message.eof) p.end();
      else if (message.kill) p.kill();
    };
  }

  #terminal(hello: Record<string, unknown>, socket: net.Socket): OnMessage {
    const m = this.#machine(hello.machine);
    if (!m.openTerminal) throw new Error(`machine ${m.name} has no terminal`);
    const request = hello.request as Omit<TerminalRequest, 'onData' | 'onExit'>;
    const t = m.openTerminal({
      ...request,
      onData: (d) => sendLine(socket, { d: d.toString('base64') }),
      onExit: (code) => {
        sendLine(socket, { exit: code });
        socket.end();
      },
    });
    socket.on('close', () => t.close());
    return (message) => {
      if (typeof message.d === 'string') t.write(Buffer.from(message.d, 'base64'));
      else if (Array.isArray(message.resize)) t.resize(Number(message.resize[0]), Number(message.resize[1]));
    };
  }
}
