import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { QemuProvider, VmPool, testChallenges, splitSolution, type TestProgress, type WideEvent } from '@labkit/runtime';

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
  it('passes a solvable challenge, fails the one whose check passes too early and the one whose solution is wrong (fast), with wide events', async () => {
    const events: TestProgress[] = [];
    const wide: WideEvent[] = [];
    // No settleTimeoutMs: the wrong solution is stopped by the fail-fast settle window alone (default 10 s).
    const report = await testChallenges([fixtures], { provider, pollIntervalMs: 300, conditions: { VERSION: '2' }, onProgress: (e) => events.push(e), onEvent: (e) => wide.push(e) });
    const byName = Object.fromEntries(report.challenges.map((c) => [c.name, c]));
    expect(report.ok).toBe(false);

    const solvable = byName['solvable']!;
    expect(solvable.error).toBeUndefined();
    expect(solvable.ok).toBe(true);
    // verify_v1 (VERSION=1) is left out: not run, not listed; verify_phrase passes through its :destination: file.
    expect(solvable.tasks.map((t) => [t.name, t.precheck, t.status])).toEqual([
      ['init_token', 'not-run', 'completed'],
      ['verify_file', 'failed', 'completed'],
      ['verify_answer', 'failed', 'completed'],
      ['verify_phrase', 'failed', 'completed'],
      ['verify_v2', 'failed', 'completed'],
    ]);
    expect(solvable.conditions).toEqual({ VERSION: '2' });

    const early = byName['passes-too-early']!;
    expect(early.ok).toBe(false);
    expect(early.tasks[0]).toMatchObject({ name: 'verify_root_exists', precheck: 'passed', status: 'completed', ok: false });

    const wrong = byName['wrong-solution']!;
    expect(wrong.ok).toBe(false);
    expect(wrong.tasks[0]).toMatchObject({ name: 'verify_file', precheck: 'failed', ok: false });
    expect(wrong.tasks[0]!.status).not.toBe('completed');
    // Fail fast: reported within 15 s of the solution ending (the old wait was the 60 s timeout + 30 s), with its last output.
    expect(wrong.checksMs).toBeLessThan(15_000);
    expect(wrong.tasks[0]!.detail).toMatch(/still failing 10 s after the solution finished/);
    expect(wrong.tasks[0]!.lastOutput).toBe('exit 1');

    // Wide events: one per task run and machine lifecycle step, with the run's identity.
    const runOf = (c: string) => wide.find((e) => e.challenge === c)!.run;
    const solvableRun = wide.filter((e) => e.run === runOf(solvable.id));
    expect(solvableRun.filter((e) => e.type === 'machine').map((e) => (e as { step: string }).step)).toEqual(expect.arrayContaining(['provision', 'startup-files', 'dispose']));
    expect(solvableRun).toContainEqual(expect.objectContaining({ type: 'task-run', task: 'init_token', phase: 'init', script: 'run', exitCode: 0, attempt: 1, stdoutBytes: 'tok-busybox\n'.length }));
    expect(solvableRun).toContainEqual(expect.objectContaining({ type: 'task-run', task: 'verify_file', phase: 'precheck', exitCode: 1 }));
    expect(solvableRun.every((e) => e.playground === 'busybox' && /^[0-9a-f]{16}$/.test(e.playgroundDigest ?? '') && e.conditions === 'VERSION=2')).toBe(true);
    expect(solvableRun.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase)).toEqual(['boot', 'init', 'precheck', 'solution', 'checks', 'teardown']);
    expect(solvableRun.at(-1)).toMatchObject({ type: 'challenge', ok: true });
    const wrongRuns = wide.filter((e) => e.run === runOf(wrong.id) && e.type === 'task-run' && e.phase === 'checks');
    expect(wrongRuns.length).toBeGreaterThan(1);
    expect(wrongRuns.map((e) => (e as { attempt: number }).attempt)).toEqual(wrongRuns.map((_, i) => i + 1));

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

  it('`lab test --format json` exits 1 when a challenge fails and prints the report; --events writes JSON lines', () => {
    const eventsFile = path.join(mkdtempSync(path.join(tmpdir(), 'lab-events-')), 'out.jsonl');
    const r = spawnSync(process.execPath, ['packages/cli/bin/lab.js', 'test', path.join(fixtures, 'passes-too-early'), '--format', 'json', '--events', eventsFile, '--settle', '3s', '--condition', 'VERSION=2'], {
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
    expect(report.challenges[0]).toMatchObject({ conditions: { VERSION: '2' } });
    const lines = readFileSync(eventsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as WideEvent);
    expect(lines.some((e) => e.type === 'task-run' && e.task === 'verify_root_exists')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ type: 'challenge', ok: false, conditions: 'VERSION=2' });
  }, 150_000);
});
