import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labBin, repoRoot, tempDir } from './helpers.ts';

/**
 * One real playground (a busybox VM) driven through every command as a
 * process: start on an item (its init task runs), list, ssh, cp both ways,
 * real OpenSSH and scp through `lab ssh-proxy`, port-forward read with curl,
 * stop, and no QEMU left behind. Run under the heavy lock:
 *   flock /tmp/labkit-heavy.lock pnpm vitest run packages/cli/test/playground.test.ts
 */
const canBoot = existsSync('/usr/bin/qemu-system-x86_64') && existsSync(join(process.env.HOME ?? '', '.cache/labkit/images'));
const stateDir = tempDir('pg-state');
chmodSync(stateDir, 0o700);
const fixture = join(repoRoot, 'packages/cli/test/fixtures/playground');
const env = { ...process.env, NO_COLOR: '1', LABKIT_PLAYGROUND_DIR: stateDir };

function run(args: string[], options: { input?: Buffer | string; cwd?: string } = {}): Promise<{ code: number | null; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [labBin, ...args], { cwd: options.cwd ?? fixture, env });
    const out: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }));
    child.stdin.end(options.input ?? '');
  });
}

describe.skipIf(!canBoot)('lab playground / ssh / cp / ssh-proxy / port-forward', () => {
  let id: string | undefined;
  afterAll(async () => {
    if (id) await run(['playground', 'stop', '--all']);
  });

  it('runs the whole sequence on one VM and leaves nothing behind', { timeout: 300_000 }, async () => {
    const missing = await run(['ssh', 'no-such-playground', '--', 'true']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No running playground `no-such-playground`');

    // start (an item, by folder: its init task seeds /srv/www)
    const started = await run(['playground', 'start', 'challenges/seeded', '--ssh', '--format', 'json']);
    expect(started.stderr).toContain('running init tasks');
    expect(started.code, started.stderr).toBe(0);
    const record = JSON.parse(started.stdout.toString()) as { id: string; pid: number; socket: string; init: { ok: boolean }; ssh: { config: string; hosts: string[] } };
    id = record.id;
    expect(record.init.ok).toBe(true);
    expect(statSync(record.socket).mode & 0o777).toBe(0o600);
    // The command has exited; the machine lives on in the supervisor.
    const qemus = execFileSync('pgrep', ['-P', String(record.pid)]).toString().trim().split('\n').map(Number);
    expect(qemus.length).toBeGreaterThan(0);
    for (const pid of qemus) expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toMatch(/qemu/);

    const list = await run(['playground', 'list', '--format', 'json']);
    expect(JSON.parse(list.stdout.toString()).map((r: { id: string }) => r.id)).toEqual([id]);

    // ssh: a command, its exit code, stdin
    const uname = await run(['ssh', id, '--', 'uname', '-a']);
    expect(uname.code).toBe(0);
    expect(uname.stdout.toString()).toMatch(/^Linux busybox /);
    expect((await run(['ssh', id, '--', 'exit 7'])).code).toBe(7);
    const piped = await run(['ssh', id, '--', 'tr a-z A-Z'], { input: 'through stdin\n' });
    expect(piped.stdout.toString()).toBe('THROUGH STDIN\n');
    expect((await run(['ssh', id, '--', 'cat /srv/www/index.html'])).stdout.toString()).toBe('seeded by init\n');

    // an interactive shell on a pty (script(1) gives lab a terminal); its exit status comes back
    const tty = spawnSync('script', ['-qec', `${process.execPath} ${labBin} ssh ${id}`, '/dev/null'], { env, input: 'tty -s && echo "on a tty $((6*7))"; exit 5\n', timeout: 60_000 });
    expect(tty.stdout.toString()).toContain('on a tty 42');
    expect(tty.status).toBe(5);

    // cp both ways, binary-safe (every byte value, larger than one frame)
    const work = tempDir('pg-cp');
    const blob = randomBytes(3 * 1024 * 1024 + 17);
    writeFileSync(join(work, 'in.bin'), blob);
    const cpIn = await run(['cp', join(work, 'in.bin'), `${id}:/tmp/up/in.bin`]);
    expect(cpIn.code, cpIn.stderr).toBe(0);
    const sum = await run(['ssh', id, '--', 'md5sum /tmp/up/in.bin']);
    expect(sum.stdout.toString().split(' ')[0]).toBe(execFileSync('md5sum', [join(work, 'in.bin')]).toString().split(' ')[0]);
    const cpOut = await run(['cp', `${id}:/tmp/up/in.bin`, join(work, 'out.bin')]);
    expect(cpOut.code, cpOut.stderr).toBe(0);
    expect(readFileSync(join(work, 'out.bin')).equals(blob)).toBe(true);
    expect((await run(['cp', `${id}:/no/such/file`, join(work, 'x')])).code).toBe(2);

    // real OpenSSH and scp through the generated config (ProxyCommand lab ssh-proxy)
    const host = record.ssh.hosts[0]!;
    const ssh = execFileSync('ssh', ['-F', record.ssh.config, host, 'echo ok; hostname'], { env, timeout: 60_000 }).toString();
    expect(ssh).toBe('ok\nbusybox\n');
    writeFileSync(join(work, 'scp.txt'), 'over scp\n');
    execFileSync('scp', ['-F', record.ssh.config, join(work, 'scp.txt'), `${host}:/tmp/scp.txt`], { env, timeout: 60_000 });
    execFileSync('scp', ['-F', record.ssh.config, `${host}:/tmp/scp.txt`, join(work, 'back.txt')], { env, timeout: 60_000 });
    expect(readFileSync(join(work, 'back.txt'), 'utf8')).toBe('over scp\n');

    // port-forward to busybox httpd in the VM, read with curl on 127.0.0.1
    expect((await run(['ssh', id, '--', 'httpd -p 127.0.0.1:8080 -h /srv/www'])).code).toBe(0);
    const forward = spawn(process.execPath, [labBin, 'port-forward', id, '-L', '0:8080'], { cwd: fixture, env });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        forward.stdout.once('data', (d: Buffer) => resolve(d.toString()));
        forward.once('exit', (code) => reject(new Error(`port-forward exited ${code}`)));
      });
      const m = /^127\.0\.0\.1:(\d+) -> /.exec(line);
      expect(m, line).not.toBeNull();
      const body = execFileSync('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${m![1]}/index.html`]).toString();
      expect(body).toBe('seeded by init\n');
      // twice: each connection gets its own channel
      expect(execFileSync('curl', ['-sS', '--max-time', '30', `http://127.0.0.1:${m![1]}/index.html`]).toString()).toBe('seeded by init\n');
    } finally {
      forward.kill('SIGINT');
    }

    // stop: the supervisor and every QEMU it owned are gone, and so are the records
    const stopped = await run(['playground', 'stop', id]);
    expect(stopped.code, stopped.stderr).toBe(0);
    id = undefined;
    for (const pid of [record.pid, ...qemus]) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(readdirSync(stateDir)).toEqual([]);
    expect((await run(['playground', 'list', '--format', 'json'])).stdout.toString().trim()).toBe('[]');
  });
});
