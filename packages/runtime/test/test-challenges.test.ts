import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { QemuProvider, VmPool, testChallenges, splitSolution, type TestProgress } from '@labkit/runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures/lab-test');
const repoRoot = path.resolve(here, '../../..');

// One pool of booted VMs serves the challenges of this file (the pool is
// what a learner-facing server uses too): each challenge still gets a fresh VM.
const provider0 = new QemuProvider({ accel: 'tcg' });
const pool = new VmPool(provider0, { size: 2 });
const provider = new QemuProvider({ accel: 'tcg', pool });
afterAll(async () => {
  await pool.dispose();
});

describe('testChallenges (lab test) on real VMs', () => {
  it('passes a solvable challenge, fails the one whose check passes too early and the one whose solution is wrong', async () => {
    const events: TestProgress[] = [];
    const report = await testChallenges([fixtures], { provider, pollIntervalMs: 300, settleTimeoutMs: 8_000, onProgress: (e) => events.push(e) });
    const byName = Object.fromEntries(report.challenges.map((c) => [c.name, c]));
    expect(report.ok).toBe(false);

    const solvable = byName['solvable']!;
    expect(solvable.error).toBeUndefined();
    expect(solvable.ok).toBe(true);
    expect(solvable.tasks.map((t) => [t.name, t.precheck, t.status])).toEqual([
      ['init_token', 'not-run', 'completed'],
      ['verify_file', 'failed', 'completed'],
      ['verify_answer', 'failed', 'completed'],
    ]);

    const early = byName['passes-too-early']!;
    expect(early.ok).toBe(false);
    expect(early.tasks[0]).toMatchObject({ name: 'verify_root_exists', precheck: 'passed', status: 'completed', ok: false });

    const wrong = byName['wrong-solution']!;
    expect(wrong.ok).toBe(false);
    expect(wrong.tasks[0]).toMatchObject({ name: 'verify_file', precheck: 'failed', ok: false });
    expect(wrong.tasks[0]!.status).not.toBe('completed');

    expect(events.filter((e) => e.type === 'challenge-done')).toHaveLength(3);
    expect(events).toContainEqual(expect.objectContaining({ type: 'phase', phase: 'solution' }));
  }, 240_000);

  it('the pool hands out a booted machine at once and boots its replacement', async () => {
    await pool.fill();
    expect(pool.idle).toBe(2);
    const t = performance.now();
    const playground = await provider.provision({ machines: [{ name: 'learner' }] });
    const r = await playground.machine('learner').exec({ script: 'hostname', timeoutMs: 10_000 });
    const firstCheckMs = performance.now() - t;
    expect(r.stdout).toBe('learner\n');
    expect(firstCheckMs).toBeLessThan(5_000); // far below any boot under TCG here; the bench prints the real figure
    expect(pool.idle).toBe(1);
    await pool.fill();
    expect(pool.idle).toBe(2);
    await playground.dispose();
  }, 120_000);

  it('splits iximiuz-style solutions into per-machine chunks', () => {
    expect(splitSolution('# session: server-01\necho a\n# session: laborant@dev retry=20\necho b\n')).toEqual([
      { machine: 'server-01', user: 'root', retries: 0, script: 'echo a\n' },
      { machine: 'dev', user: 'laborant', retries: 20, script: 'echo b\n' },
    ]);
    expect(splitSolution('#!/bin/sh\nrm -f x\n')).toEqual([{ machine: undefined, user: 'root', retries: 0, script: '#!/bin/sh\nrm -f x\n' }]);
  });

  it('`lab test --format json` exits 1 when a challenge fails and prints the report', () => {
    const r = spawnSync(process.execPath, ['packages/cli/bin/lab.js', 'test', path.join(fixtures, 'passes-too-early'), '--format', 'json'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, LABKIT_ACCEL: 'tcg' },
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { ok: boolean; challenges: Array<{ name: string; tasks: Array<{ precheck: string }> }> };
    expect(report.ok).toBe(false);
    expect(report.challenges[0]).toMatchObject({ name: 'passes-too-early', tasks: [{ precheck: 'passed' }] });
    expect(r.stderr).toContain('FAIL challenge:passes-too-early');
  }, 150_000);
});
