import net from 'node:net';
import type { ExecRequest, Machine, PlaygroundSpec, Provider, RunningPlayground, SpawnRequest, TerminalRequest } from '../../provider.ts';
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

/**
 * The program in a session's runner container: serves one playground to
 * the `lab serve` replicas that know the secret. It provisions once (a
 * second `provision` is refused), reports machine state changes and a
 * heartbeat on the link, and runs exec/spawn/terminal/copyIn on the
 * machines with the same runtime code as a local session.
 */
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
 * `close(stopping)`: the runner was told to stop from outside (SIGTERM: its
 * node is being drained, or its service was removed); the link says so
 * (`{stopping}`) before the machines go.
 */
export async function startRunner(options: RunnerOptions): Promise<{ port: number; close(stopping?: string): Promise<void> }> {
  const log = options.onLog ?? (() => {});
  let playground: RunningPlayground | undefined;
  let provisioning: Promise<RunningPlayground> | undefined;
  let disposing: Promise<void> | undefined;
  /** The provision connection(s): where `stopping` is announced. */
  const links = new Set<net.Socket>();
  const dispose = (stopping?: string) =>
    (disposing ??= (async () => {
      // Said before the machines stop, so the replica tells the learner why instead of "stopped".
      if (stopping) for (const link of links) sendLine(link, { stopping });
      const p = playground ?? (await provisioning?.catch(() => undefined));
      await p?.dispose().catch(() => {});
      server.close();
      options.onDisposed?.();
    })());

  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    let hello: Record<string, unknown> | undefined;
    let onMessage: ((m: Record<string, unknown>) => void) | undefined;
    readLines(socket, (message) => {
      if (hello) return onMessage?.(message);
      hello = message;
      if (!secretMatches(message.secret, options.secret)) {
        log('refused a connection with a wrong secret');
        return void socket.destroy();
      }
      try {
        onMessage = handle(message, socket);
      } catch (error) {
        sendLine(socket, { error: error instanceof Error ? error.message : String(error) });
        socket.end();
      }
    });
  });

  const machineOf = (name: unknown): Machine => {
    if (!playground) throw new Error('the playground is not provisioned');
    const m = playground.machines.find((x) => x.name === name);
    if (!m) throw new Error(`no machine ${String(name)}`);
    return m;
  };

  function handle(hello: Record<string, unknown>, socket: net.Socket): ((m: Record<string, unknown>) => void) | undefined {
    switch (hello.op) {
      case 'provision': {
        if (provisioning) throw new Error('this runner has already provisioned its playground');
        const spec = hello.spec as PlaygroundSpec;
        provisioning = options.provider.provision(spec);
        const ping = setInterval(() => sendLine(socket, { ping: Date.now() }), LINK_PING_MS);
        links.add(socket);
        socket.on('close', () => {
          clearInterval(ping);
          links.delete(socket);
        });
        provisioning.then(
          (p) => {
            playground = p;
            for (const m of p.machines) m.onStateChange((state, detail) => sendLine(socket, { state, machine: m.name, ...(detail ? { detail } : {}) }));
            sendLine(socket, { ok: true, machines: p.machines.map((m) => ({ name: m.name, state: m.state })) });
            log(`provisioned ${p.machines.map((m) => m.name).join(', ')}`);
          },
          (error: Error) => {
            sendLine(socket, { error: error.message });
            socket.end();
          },
        );
        return undefined;
      }
      case 'exec': {
        const m = machineOf(hello.machine);
        const request = hello.request as Omit<ExecRequest, 'onOutput'>;
        replyWith(socket, m.exec({ ...request, ...(hello.stream ? { onOutput: (o, d) => sendLine(socket, { o, d: d.toString('base64') }) } : {}) }));
        return undefined;
      }
      case 'spawn': {
        const m = machineOf(hello.machine);
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
      case 'terminal': {
        const m = machineOf(hello.machine);
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
      case 'copyIn': {
        const m = machineOf(hello.machine);
        const file = hello.file as { path: string; content: string; mode?: number; owner?: string };
        m.copyIn({ path: file.path, content: Buffer.from(file.content, 'base64'), ...(file.mode !== undefined ? { mode: file.mode } : {}), ...(file.owner ? { owner: file.owner } : {}) }).then(
          () => {
            sendLine(socket, { ok: true });
            socket.end();
          },
          (error: Error) => {
            sendLine(socket, { error: error.message });
            socket.end();
          },
        );
        return undefined;
      }
      case 'dispose':
        void dispose(undefined).then(() => {
          sendLine(socket, { ok: true });
          socket.end();
        });
        return undefined;
      default:
        throw new Error(`unknown op ${String(hello.op)}`);
    }
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? RUNNER_PORT, options.host ?? '0.0.0.0', () => resolve((server.address() as net.AddressInfo).port));
  });
  return { port, close: (stopping?: string) => dispose(stopping) };
}
