import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshProvider, TaskEngine, type RunningPlayground } from '@labkit/runtime';

// A real OpenSSH server (Debian's openssh-server) on a loopback port, with a
// throw-away host key and an authorized key made for this test only.
const SSHD = '/usr/sbin/sshd';
let dir: string;
let sshd: ChildProcess;
let port: number;
let playground: RunningPlayground;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForPort(p: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(p, '127.0.0.1', () => (s.end(), resolve(true))).on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('sshd did not listen');
}

beforeAll(async () => {
  if (!existsSync(SSHD)) throw new Error('openssh-server is required (apt-get install openssh-server; it is in .ci/lib.sh)');
  dir = mkdtempSync(path.join(os.tmpdir(), 'labkit-sshd-'));
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'client_key')]);
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_key.pub')));
  mkdirSync('/run/sshd', { recursive: true });
  port = await freePort();
  writeFileSync(
    path.join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'StrictModes no',
      'UsePAM no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      '',
    ].join('\n'),
  );
  sshd = spawn(SSHD, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: 'ignore' });
  await waitForPort(port);
  const fingerprint = spawnSync('ssh-keygen', ['-lf', path.join(dir, 'host_key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
  const provider = new SshProvider({ name: 'remote', host: '127.0.0.1', port, username: os.userInfo().username, privateKey: readFileSync(path.join(dir, 'client_key')), hostKeySha256: fingerprint });
  playground = await provider.provision({ machines: [{ name: 'remote' }] });
}, 60_000);

afterAll(async () => {
  await playground?.dispose();
  sshd?.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('SSH provider against a real sshd', () => {
  it('runs a script with env, exit code and both streams', async () => {
    const r = await playground.machine('remote').exec({ script: 'echo "$MSG"; echo oops >&2; exit 5', env: { MSG: "it's here" }, timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 5, stdout: "it's here\n", stderr: 'oops\n', timedOut: false });
  });

  it('runs as another user through su', async () => {
    const r = await playground.machine('remote').exec({ script: 'id -un', user: 'nobody', timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('nobody');
  });

  it('kills the whole process group at the timeout', async () => {
    const marker = `labkit-ssh-${process.pid}-${Date.now()}`;
    const r = await playground.machine('remote').exec({ script: `sh -c 'sleep 300; echo ${marker}' & sleep 300`, timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    await new Promise((res) => setTimeout(res, 500));
    const left = spawnSync('sh', ['-c', `ps -eo args | grep -c "[e]cho ${marker}"`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('0');
  });

  it('kills the group even when the timeout fires before the wrapper has reported its pid', async () => {
    // A 1 ms timeout fires before the wrapper's first line arrives, as a slow
    // answer on a loaded host does: the kill must still happen once it does
    // (it used to be skipped, and the exec waited for the script's 300 s).
    const marker = `labkit-ssh-early-${process.pid}-${Date.now()}`;
    const r = await playground.machine('remote').exec({ script: `sh -c 'sleep 300; echo ${marker}' & sleep 300`, timeoutMs: 1 });
    expect(r.timedOut).toBe(true);
    await new Promise((res) => setTimeout(res, 500));
    const left = spawnSync('sh', ['-c', `ps -eo args | grep -c "[e]cho ${marker}"`], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('0');
  });

  it('caps output', async () => {
    const r = await playground.machine('remote').exec({ script: 'head -c 200000 /dev/zero | tr "\\0" x', timeoutMs: 10_000, maxOutputBytes: 1000 });
    expect(r.stdout.length).toBe(1000);
    expect(r.truncated).toBe(true);
  });

  it('copies files in with mode', async () => {
    const target = path.join(dir, 'copied', 'file.txt');
    await playground.machine('remote').copyIn({ path: target, content: 'data\n', mode: 0o640, owner: os.userInfo().username });
    expect(readFileSync(target, 'utf8')).toBe('data\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('drives the task engine like any other provider', async () => {
    const engine = new TaskEngine({
      playground,
      pollIntervalMs: 200,
      guestBridge: false,
      tasks: { init_make: { init: true, run: `echo value-1` }, check: { needs: ['init_make'], env: ['V=x(.needs.init_make.stdout)'], run: '[ "$V" = value-1 ]' } },
    });
    expect(await engine.runInit()).toBe(true);
    engine.start();
    expect(await engine.waitFor(undefined, 20_000)).toBe(true);
    await engine.stop();
  });
  it('says why the connection ended when the network resets it', async () => {
    // A loopback relay in front of sshd, so the test can reset the learner's
    // connection the way a dropped network or a dead host does.
    const sockets: net.Socket[] = [];
    const relay = net.createServer((inbound) => {
      const outbound = net.connect(port, '127.0.0.1');
      sockets.push(inbound, outbound);
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('error', () => {});
      outbound.on('error', () => {});
    });
    const relayPort = await new Promise<number>((resolve) => relay.listen(0, '127.0.0.1', () => resolve((relay.address() as net.AddressInfo).port)));
    const fingerprint = spawnSync('ssh-keygen', ['-lf', path.join(dir, 'host_key.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
    const provider = new SshProvider({ name: 'remote', host: '127.0.0.1', port: relayPort, username: os.userInfo().username, privateKey: readFileSync(path.join(dir, 'client_key')), hostKeySha256: fingerprint });
    const relayed = await provider.provision({ machines: [{ name: 'remote' }] });
    try {
      const machine = relayed.machines[0]!;
      expect((await machine.exec({ script: 'echo up', timeoutMs: 10_000 })).stdout).toBe('up\n');
      const stopped = new Promise<string | undefined>((resolve) => machine.onStateChange((state, detail) => state === 'stopped' && resolve(detail)));
      sockets[0]!.resetAndDestroy();
      const detail = await stopped;
      expect(detail).toMatch(/^SSH connection closed: .*ECONNRESET/);
    } finally {
      await relayed.dispose();
      for (const s of sockets) s.destroy();
      relay.close();
    }
  });
});
