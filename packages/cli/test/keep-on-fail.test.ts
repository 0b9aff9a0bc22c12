import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, labBin, repoRoot, tempDir } from './helpers.ts';

/**
 * `lab test --keep-on-fail` and `--shell` on a real VM (a fixture whose
 * solution does not solve it), and `lab playground start --condition`.
 * Run under the heavy lock:
 *   flock /tmp/labkit-heavy.lock pnpm vitest run packages/cli/test/keep-on-fail.test.ts
 */
const canBoot = existsSync('/usr/bin/qemu-system-x86_64') && existsSync(join(process.env.HOME ?? '', '.cache/labkit/images'));
const stateDir = tempDir('keep-state');
chmodSync(stateDir, 0o700);
const wrong = join(repoRoot, 'packages/runtime/test/fixtures/lab-test/wrong-solution');
const conditions = join(repoRoot, 'packages/runtime/test/server/fixtures/conditions');
const env = { ...process.env, NO_COLOR: '1', LABKIT_PLAYGROUND_DIR: stateDir };

const run = (args: string[], options: { input?: string; cwd?: string } = {}) =>
  lab(args, { env: { LABKIT_PLAYGROUND_DIR: stateDir }, input: options.input ?? '', ...(options.cwd ? { cwd: options.cwd } : {}) });

const childrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

describe.skipIf(!canBoot)('lab test --keep-on-fail / --shell, lab playground start --condition', () => {
  it('keeps the failed playground: listed, reachable with lab ssh, stopped with lab playground stop', { timeout: 400_000 }, async () => {
    const child = spawn(process.execPath, [labBin, 'test', wrong, '--keep-on-fail', '--settle', '2s', '-j', '1'], { cwd: repoRoot, env });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    await expect.poll(() => /lab playground stop (\S+)/.test(stderr), { timeout: 300_000, interval: 500 }).toBe(true);
    const id = /lab playground stop (\S+)/.exec(stderr)![1]!;
    expect(stdout).toContain('FAIL challenge:wrong-solution');
    expect(stderr).toMatch(new RegExp(`kept ${id} \\(challenge:wrong-solution, failed: verify_file on \\S+\\)`));

    const list = await run(['playground', 'list', '--format', 'json']);
    const records = JSON.parse(list.stdout) as Array<{ id: string; pid: number; keptBy?: { failedTasks: string[] } }>;
    expect(records.map((r) => r.id)).toEqual([id]);
    expect(records[0]!.pid).toBe(child.pid);
    expect(records[0]!.keptBy?.failedTasks).toEqual(['verify_file']);
    const qemus = childrenOf(child.pid!).filter((pid) => /qemu/.test(execFileSync('cat', [`/proc/${pid}/comm`]).toString()));
    expect(qemus.length).toBe(1);

    // The solution's effect is there to inspect.
    const look = await run(['ssh', id, '--', 'ls /tmp; test -f /tmp/wanted || echo "wanted is missing"']);
    expect(look.code, look.stderr).toBe(0);
    expect(look.stdout).toContain('not-wanted');
    expect(look.stdout).toContain('wanted is missing');

    const stopped = await run(['playground', 'stop', id]);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(await exited).toBe(1); // lab test ends with the failure once nothing is kept
    for (const pid of qemus) expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('--shell opens a shell in the failed machine and stops the playground when it exits', { timeout: 400_000 }, async () => {
    const r = await run(['test', wrong, '--shell', '--settle', '2s', '-j', '1'], { input: 'ls /tmp; echo "SHELL-USER=$(id -un)"; exit 3\n' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL challenge:wrong-solution');
    expect(r.stderr).toMatch(/shell in wrong-solution-\S+ \(\S+\)/);
    expect(r.stdout).toContain('not-wanted');
    expect(r.stdout).toContain('SHELL-USER=root');
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('lab playground start --condition picks the variant (init tasks and listing), and refuses a value not declared', { timeout: 400_000 }, async () => {
    const bad = await run(['playground', 'start', 'challenges/pick-a-flavour', '--condition', 'FLAVOUR=strawberry'], { cwd: conditions });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('"strawberry" is not one of vanilla, chocolate');
    const started = await run(['playground', 'start', 'challenges/pick-a-flavour', '--condition', 'FLAVOUR=chocolate', '--format', 'json'], { cwd: conditions });
    expect(started.code, started.stderr).toBe(0);
    const record = JSON.parse(started.stdout) as { id: string; conditions: Record<string, string>; init: { tasks: number } };
    try {
      expect(record.conditions).toEqual({ FLAVOUR: 'chocolate', NOTE: '' });
      const flavour = await run(['ssh', record.id, '--', 'cat /root/flavour']);
      expect(flavour.stdout.trim()).toBe('chocolate');
    } finally {
      await run(['playground', 'stop', record.id]);
    }
  });
});
