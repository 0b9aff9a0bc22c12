import net from 'node:net';

/**
 * A minimal QMP client (QEMU's JSON monitor on a unix socket): one command
 * at a time, events ignored. Used to save a machine's state and to restore
 * one; nothing else drives QEMU through it.
 */
export class Qmp {
  #socket: net.Socket;
  #buffer = '';
  #waiting: { resolve: (value: unknown) => void; reject: (error: Error) => void } | undefined;
  #closed: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.#buffer += chunk;
      let nl;
      while ((nl = this.#buffer.indexOf('\n')) >= 0) {
        const line = this.#buffer.slice(0, nl).trim();
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line) this.#message(JSON.parse(line) as Record<string, unknown>);
      }
    });
    const gone = (error?: Error) => {
      this.#closed ??= error ?? new Error('QMP connection closed');
      this.#waiting?.reject(this.#closed);
      this.#waiting = undefined;
    };
    socket.on('error', gone);
    socket.on('close', () => gone());
  }

  /** Connects (retrying while QEMU creates the socket) and leaves capabilities negotiation mode. */
  static async connect(socketPath: string, timeoutMs = 10_000): Promise<Qmp> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        const socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(socketPath, () => resolve(s));
          s.once('error', reject);
        });
        const qmp = new Qmp(socket);
        // The greeting ({"QMP": ...}) arrives first; `#message` skips it.
        await qmp.execute('qmp_capabilities');
        return qmp;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  /** Runs `command`; resolves with its `return`, rejects with QEMU's error text. */
  execute(command: string, args?: Record<string, unknown>): Promise<unknown> {
    const run = () =>
      new Promise<unknown>((resolve, reject) => {
        if (this.#closed) return reject(this.#closed);
        this.#waiting = { resolve, reject };
        this.#socket.write(JSON.stringify(args ? { execute: command, arguments: args } : { execute: command }) + '\n');
      });
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => {}); // the caller gets the rejection from `result`; the queue only orders
    return result;
  }

  close(): void {
    this.#socket.destroy();
  }

  #message(message: Record<string, unknown>): void {
    if ('QMP' in message || 'event' in message) return;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (!waiting) return;
    if ('error' in message) {
      const e = message['error'] as { class?: string; desc?: string };
      waiting.reject(new Error(`${e.class ?? 'Error'}: ${e.desc ?? 'QMP command failed'}`));
    } else waiting.resolve(message['return']);
  }
}

/** Polls `query-migrate` until the migration ends; throws with QEMU's reason when it failed. */
export async function waitForMigration(qmp: Qmp, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = (await qmp.execute('query-migrate')) as { status?: string; 'error-desc'?: string };
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'cancelled') throw new Error(`migration ${info.status}${info['error-desc'] ? `: ${info['error-desc']}` : ''}`);
    if (Date.now() > deadline) throw new Error(`migration still ${info.status ?? 'not started'} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
