// `publish({ test: true })` runs the real `lab test` (QEMU microVMs) before
// anything is written: a challenge whose solution fails stops the publish.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish } from '../src/publish.ts';
import { loaderStats } from '../../sdk/src/graph/loader.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
const challenge = join(repoRoot, 'examples/challenges/stop-a-runaway-process');

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'labkit-publish-test-'));
});
afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('lab publish --test', () => {
  it('publishes after the challenge checks pass, without the solutions', async () => {
    const content = join(work, 'ok');
    await cp(challenge, join(content, 'challenges/stop-a-runaway-process'), { recursive: true });
    const out = join(work, 'ok-out');
    const loads = loaderStats.folderLoads;
    const result = await publish({ dir: content, to: out, test: true });
    expect(result.ok, result.error?.message).toBe(true);
    // One graph: validate, build, test and bundle all from one load of the folder.
    expect(loaderStats.folderLoads - loads).toBe(1);
    expect(result.stages).toEqual({ validated: true, built: true, tested: true });
    expect(result.tests).toMatchObject({ passed: 1, failed: 0 });
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    const files = manifest.items[0].files.map((f: { path: string }) => f.path);
    expect(files).toContain('index.md');
    expect(files).not.toContain('solution.sh');
    expect(files).not.toContain('solution.md');
  }, 600_000);

  it('publishes nothing when a challenge test fails, and says which and why', async () => {
    const content = join(work, 'bad');
    const dir = join(content, 'challenges/stop-a-runaway-process');
    await cp(challenge, dir, { recursive: true });
    await writeFile(join(dir, 'solution.sh'), '#!/bin/sh\necho "not solved" >&2\nexit 3\n');
    const out = join(work, 'bad-out');
    await expect(publish({ dir: content, to: out, test: true })).rejects.toMatchObject({
      code: 'TestsFailed',
      message: expect.stringContaining('challenge:stop-a-runaway-process'),
    });
    await expect(readFile(join(out, 'manifest.json'))).rejects.toThrow();
  }, 600_000);
});
