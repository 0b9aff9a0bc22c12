import type { Client, ClientChannel, ConnectConfig } from 'ssh2';
import { RuntimeErrors } from '../../errors.ts';
import type { CopyInFile, ExecRequest, ExecResult, Machine, MachineState, PlaygroundSpec, Provider, RunningPlayground } from '../../provider.ts';
import { DEFAULT_MAX_OUTPUT_BYTES } from '../agent-client.ts';
import { playgroundOf } from '../qemu/qemu-provider.ts';
import { MachineLifecycle } from '../machine-lifecycle.ts';
import { shQuote } from '@labkit/sdk';
// Kept in runtime's public API (one implementation, in the SDK).
export { shQuote };

export interface SshTarget {
  /** Machine name tasks use in `machine:` (default: the host). */
  name?: string;
  host: string;
  port?: number;
  /** Login user; must be root to run tasks as other users (`su`). */
  username: string;
  privateKey?: string | Buffer;
  password?: string;
  /** Pin the server's host key (SHA-256 base64, as `ssh-keygen -lf` prints it, without `SHA256:`). */
  hostKeySha256?: string;
  readyTimeoutMs?: number;
}


/**
 * Runs tasks on machines that already exist (a cloud VM, a remote
 * playground) over SSH. Nothing is booted or destroyed: `dispose` only
 * closes the connections. Playground machine specs are matched by name to
 * the targets; with one target and one machine, the names need not match.
 */
export class SshProvider implements Provider {
  readonly name = 'ssh';
  #targets: SshTarget[];

  constructor(targets: SshTarget | SshTarget[]) {
    this.#targets = Array.isArray(targets) ? targets : [targets];
  }

  async provision(spec: PlaygroundSpec): Promise<RunningPlayground> {
    const machines: SshMachine[] = [];
    try {
      for (const [i, m] of spec.machines.entries()) {
        const target = this.#targets.find((t) => (t.name ?? t.host) === m.name) ?? (spec.machines.length === 1 ? this.#targets[0] : this.#targets[i]);
        if (!target) throw RuntimeErrors.MachineNotFound(m.name, this.#targets.map((t) => t.name ?? t.host));
        machines.push(await SshMachine.connect({ ...target, name: m.name }));
      }
    } catch (error) {
      await Promise.all(machines.map((m) => m.dispose()));
      throw error;
    }
    return playgroundOf(machines);
  }
}

export class SshMachine implements Machine {
  readonly name: string;
  #client: Client;
  #target: SshTarget;
  readonly #life = new MachineLifecycle(['stopped']);

  private constructor(target: SshTarget, client: Client) {
    this.name = target.name ?? target.host;
    this.#target = target;
    this.#client = client;
  }

  static async connect(target: SshTarget): Promise<SshMachine> {
    // ssh2 loads on first use (~0.1 s): only the SSH provider needs it.
    const { Client: SshClient } = await import('ssh2');
    const client = new SshClient();
    const where = `${target.username}@${target.host}:${target.port ?? 22}`;
    const config: ConnectConfig = {
      host: target.host,
      port: target.port ?? 22,
      username: target.username,
      readyTimeout: target.readyTimeoutMs ?? 20_000,
      ...(target.privateKey ? { privateKey: target.privateKey } : {}),
      ...(target.password ? { password: target.password } : {}),
      ...(target.hostKeySha256
        ? {
            hostHash: 'sha256',
            hostVerifier: (hash: string | Buffer) => Buffer.from(String(hash), 'hex').toString('base64').replace(/=+$/, '') === target.hostKeySha256!.replace(/^SHA256:/, '').replace(/=+$/, ''),
          }
        : {}),
    };
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (error) => reject(RuntimeErrors.SshFailed(where, error.message)));
      client.connect(config);
    });
    const machine = new SshMachine(target, client);
    // ssh2 emits 'error' (reset, keepalive timeout, protocol error) before
    // 'close': keep its reason for the state change the learner sees.
    let lastError: string | undefined;
    client.on('error', (error) => {
      lastError = error.message;
    });
    client.on('close', () => machine.#life.set('stopped', lastError ? `SSH connection closed: ${lastError}` : 'SSH connection closed'));
    machine.#life.set('ready');
    return machine;
  }

  get state(): MachineState {
    return this.#life.state;
  }

  onStateChange(listener: (state: MachineState, detail?: string) => void): () => void {
    return this.#life.onChange(listener);
  }

  /**
   * sshd makes a no-pty command a session leader, so the wrapper's `$$` is
   * the process group of everything the script starts. The wrapper prints it
   * first; on timeout a second channel kills the whole group.
   */
  async exec(request: ExecRequest): Promise<ExecResult> {
    if (this.#life.state !== 'ready') throw RuntimeErrors.MachineDied(this.name, `SSH connection is ${this.#life.state}`);
    const exports = Object.entries(request.env ?? {}).map(([k, v]) => `export ${k}=${shQuote(v)}; `).join('');
    const inner = `${exports}${request.cwd ? `cd ${shQuote(request.cwd)} && ` : 'cd ~ 2>/dev/null; '}${request.script}`;
    const asUser = request.user && request.user !== this.#target.username ? `su -s /bin/sh -c ${shQuote(inner)} ${shQuote(request.user)}` : `sh -c ${shQuote(inner)}`;
    const command = `echo $$; exec ${asUser} </dev/null`;
    const cap = request.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const started = Date.now();
    const channel = await this.#open(command);
    return new Promise<ExecResult>((resolve, reject) => {
      const out: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
      const sent = { stdout: 0, stderr: 0 };
      let truncated = false;
      let timedOut = false;
      let pid: string | undefined;
      let head = '';
      const take = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
        const room = Math.max(0, cap - sent[stream]);
        if (chunk.length > room) truncated = true;
        const kept = chunk.subarray(0, room);
        if (kept.length === 0) return;
        sent[stream] += kept.length;
        out[stream].push(kept);
        request.onOutput?.(stream, kept);
      };
      channel.on('data', (chunk: Buffer) => {
        if (pid === undefined) {
          head += chunk.toString('latin1');
          const nl = head.indexOf('\n');
          if (nl < 0) return;
          pid = head.slice(0, nl).trim();
          // The timeout fired before the wrapper said who it is (a loaded host): kill now.
          if (timedOut) killGroup();
          const rest = Buffer.from(head.slice(nl + 1), 'latin1');
          if (rest.length) take('stdout', rest);
          return;
        }
        take('stdout', chunk);
      });
      channel.stderr.on('data', (chunk: Buffer) => take('stderr', chunk));
      const killGroup = () => {
        if (pid && /^\d+$/.test(pid)) this.#open(`kill -KILL -- -${pid} 2>/dev/null; kill -KILL ${pid} 2>/dev/null; true`).then((c) => c.resume().on('close', () => {}), () => {});
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup(); // without a pid yet, the data handler kills once it arrives
        setTimeout(() => channel.close(), 2_000).unref();
      }, request.timeoutMs);
      channel.on('close', (code: number | null, signal?: string) => {
        clearTimeout(timer);
        if (this.#life.state !== 'ready' && !timedOut) return reject(RuntimeErrors.MachineDied(this.name, 'SSH connection closed'));
        resolve({
          exitCode: signal || code === null || code === undefined ? -1 : code,
          timedOut,
          stdout: Buffer.concat(out.stdout).toString(),
          stderr: Buffer.concat(out.stderr).toString(),
          truncated,
          durationMs: Date.now() - started,
        });
      });
    });
  }

  async copyIn(file: CopyInFile): Promise<void> {
    const dir = file.path.replace(/\/[^/]*$/, '') || '/';
    const tmp = `${file.path}.labkit-tmp`;
    const owner = file.owner ?? 'root';
    const command = `mkdir -p ${shQuote(dir)} && cat > ${shQuote(tmp)} && chmod ${(file.mode ?? 0o644).toString(8)} ${shQuote(tmp)} && chown ${shQuote(owner)}: ${shQuote(tmp)} && mv ${shQuote(tmp)} ${shQuote(file.path)}`;
    const channel = await this.#open(command);
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      channel.on('data', () => {});
      channel.on('close', (code: number) => (code === 0 ? resolve() : reject(RuntimeErrors.SshFailed(this.name, `copy to ${file.path} failed: ${stderr.trim()}`))));
      channel.end(file.content);
    });
  }

  async dispose(): Promise<void> {
    if (this.#life.state === 'stopped') return;
    this.#client.end();
    this.#life.set('stopped');
  }

  #open(command: string): Promise<ClientChannel> {
    return new Promise((resolve, reject) => {
      this.#client.exec(command, (error, channel) => (error ? reject(RuntimeErrors.SshFailed(this.name, error.message)) : resolve(channel)));
    });
  }

}
