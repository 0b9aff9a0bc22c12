// The runner's link protocol over loopback TCP, without Swarm or QEMU: a
// RemoteMachine talks to startRunner exactly as it does across the overlay
// (swarm.test.ts runs the same code on a real swarm). The machine behind the
// runner is a small fake that streams output, fails on request and echoes
// spawned input.
import { afterEach, describe, expect, it } from 'vitest';
import { playgroundOf, type ExecResult, type Machine, type MachineState, type Provider } from '../../src/index.ts';
import { RuntimeErrors } from '../../src/errors.ts';
import { RemoteMachine, openRunner, type RunnerAddress } from '../../src/providers/swarm/remote-machine.ts';
import { readLines } from '../../src/providers/swarm/runner-protocol.ts';
import { startRunner } from '../../src/providers/swarm/runner.ts';

const ok = (stdout: string): ExecResult => ({ exitCode: 0, timedOut: false, stdout, stderr: '', truncated: false, durationMs: 1 });

class EchoMachine implements Machine {
  readonly name = 'm1';
  state: MachineState = 'ready';
  async exec(request: Parameters<Machine['exec']>[0]): Promise<ExecResult> {
    if (request.script === 'die') throw new Error('the guest went away');
    request.onOutput?.('stdout', Buffer.from('streamed '));
    return ok(`ran ${request.script}`);
  }
  async copyIn(file: Parameters<Machine['copyIn']>[0]) {
    if (file.path === '/tmp/link/answer') throw RuntimeErrors.AgentRefused(this.name, 'refused: a folder on the path is a symlink root does not own');
    if (file.path === '/dev/full/x') throw new Error('the agent went away');
  }
  spawn(request: Parameters<NonNullable<Machine['spawn']>>[0]) {
    let input = '';
    let finish!: (r: ExecResult) => void;
    const result = new Promise<ExecResult>((r) => (finish = r));
    return {
      write: (d: Buffer) => void (input += d.toString()),
      end: () => {
        request.onOutput('stdout', Buffer.from(input.toUpperCase()));
        finish(ok(input));
      },
      kill: () => finish({ ...ok(''), exitCode: 137 }),
      result,
    };
  }
  onStateChange() {
    return () => {};
  }
  async dispose() {
    this.state = 'stopped';
  }
}

const provider: Provider = { name: 'echo', provision: async () => playgroundOf([new EchoMachine()]) };
let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

async function provisioned(): Promise<RunnerAddress> {
  const runner = await startRunner({ secret: 's3cret', provider, host: '127.0.0.1', port: 0 });
  close = runner.close;
  const address = { host: '127.0.0.1', port: runner.port, secret: 's3cret' };
  const link = openRunner(address, { op: 'provision', spec: { machines: [{ name: 'm1' }] } });
  await new Promise<void>((resolve, reject) => readLines(link, (m) => (m.ok ? resolve() : m.error ? reject(new Error(String(m.error))) : undefined)));
  return address;
}

describe('the runner link (loopback, fake machine)', () => {
  it('exec streams output and returns the result; a failing exec rejects with MachineDied and the reason', async () => {
    const m = new RemoteMachine('m1', await provisioned());
    const out: string[] = [];
    const r = await m.exec({ script: 'true', timeoutMs: 5_000, onOutput: (_s, d) => out.push(d.toString()) });
    expect(r.stdout).toBe('ran true');
    expect(out.join('')).toBe('streamed ');
    await expect(m.exec({ script: 'die', timeoutMs: 5_000 })).rejects.toThrow(/the guest went away/);
  });

  it('spawn carries input to the process and its output and result back', async () => {
    const m = new RemoteMachine('m1', await provisioned());
    const out: string[] = [];
    const p = m.spawn({ script: 'cat', onOutput: (_s, d) => out.push(d.toString()) } as Parameters<NonNullable<Machine['spawn']>>[0]);
    p.write(Buffer.from('hello'));
    p.end();
    expect((await p.result).stdout).toBe('hello');
    expect(out.join('')).toBe('HELLO');
  });

  it('a runner stopped from outside (its node drained: SIGTERM) says so on the link before it closes', async () => {
    const runner = await startRunner({ secret: 's3cret', provider, host: '127.0.0.1', port: 0 });
    const link = openRunner({ host: '127.0.0.1', port: runner.port, secret: 's3cret' }, { op: 'provision', spec: { machines: [{ name: 'm1' }] } });
    const messages: Array<Record<string, unknown>> = [];
    const provisioned = new Promise<void>((resolve) => readLines(link, (m) => (messages.push(m), m.ok && resolve())));
    await provisioned;
    const closed = new Promise((r) => link.once('close', r));
    await runner.close('its runner got SIGTERM');
    link.end();
    await closed;
    expect(messages.find((m) => 'stopping' in m)).toEqual({ stopping: 'its runner got SIGTERM' });
    // A dispose asked for by lab serve (the session ended) announces nothing.
    const again = await startRunner({ secret: 's3cret', provider, host: '127.0.0.1', port: 0 });
    const link2 = openRunner({ host: '127.0.0.1', port: again.port, secret: 's3cret' }, { op: 'provision', spec: { machines: [{ name: 'm1' }] } });
    const seen: Array<Record<string, unknown>> = [];
    await new Promise<void>((resolve) => readLines(link2, (m) => (seen.push(m), m.ok && resolve())));
    const closed2 = new Promise((r) => link2.once('close', r));
    await again.close();
    link2.end();
    await closed2;
    expect(seen.some((m) => 'stopping' in m)).toBe(false);
  });

  it('copyIn: a write the agent refused stays AgentRefused with its reason across the link; another failure is MachineDied', async () => {
    const m = new RemoteMachine('m1', await provisioned());
    await expect(m.copyIn({ path: '/tmp/answer', content: 'yes' })).resolves.toBeUndefined();
    await expect(m.copyIn({ path: '/tmp/link/answer', content: 'yes' })).rejects.toMatchObject({
      code: 'AgentRefused',
      message: 'Machine `m1` refused the request: refused: a folder on the path is a symlink root does not own',
    });
    await expect(m.copyIn({ path: '/dev/full/x', content: 'yes' })).rejects.toMatchObject({ code: 'MachineDied', message: expect.stringContaining('the agent went away') });
  });

  it('a wrong secret gets the connection closed, and the exec rejects', async () => {
    const address = await provisioned();
    const m = new RemoteMachine('m1', { ...address, secret: 'guess' });
    await expect(m.exec({ script: 'true', timeoutMs: 5_000 })).rejects.toThrow(/connection to its runner closed/);
  });
});
