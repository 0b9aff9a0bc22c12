import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';

const FRONT = `kind: challenge
title: A Challenge Written for Tests
description: Exercises lab validate.
categories:
  - linux
difficulty: easy
createdAt: 2026-01-01`;

const SHOWN = `
::simple-task
---
:tasks: tasks
:name: verify_one
---
#active
Waiting.
::
`;

function repo(files: Record<string, string>): string {
  const dir = tempDir('validate');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

/** One error (unknown task at line 26, column 8) and no warnings. */
const broken = () =>
  repo({
    'challenges/broken/index.md': `---
${FRONT}
tasks:
  verify_one:
    run: test -f /tmp/one
---
${SHOWN}
::simple-task
---
:tasks: tasks
:name: verify_typo
---
::
`,
  });

/** Valid, plus one warning (an unknown field). */
const warned = () =>
  repo({
    'challenges/warned/index.md': `---
${FRONT}
difficultee: hard
tasks:
  verify_one:
    run: test -f /tmp/one
---
${SHOWN}`,
  });

describe('lab validate', () => {
  it('passes on the repository examples', async () => {
    const result = await lab(['validate', 'examples', '--max-warnings', '0']);
    expect(result.stdout).toContain('0 errors, 0 warnings');
    expect(result.code).toBe(0);
  });

  it('exits 1 on an error and points at file:line:col with a code frame', async () => {
    const result = await lab(['validate', broken()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('challenges/broken/index.md:26:8 error');
    expect(result.stdout).toContain('lab:unknown-task');
    // The code frame shows the offending line with a marker under the task name.
    expect(result.stdout).toMatch(/> 26 \| :name: verify_typo\n\s+\| {8}\^{11}/);
    expect(result.stdout).toContain('1 error, 0 warnings');
  });

  it('prints the same problems as JSON for CI', async () => {
    const result = await lab(['validate', broken(), '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(Object.keys(report).sort()).toEqual(['compatibility', 'diagnostics', 'summary']);
    expect(report.compatibility).toEqual({});
    expect(report.summary).toMatchObject({ errors: 1, warnings: 0, files: 1 });
    expect(report.diagnostics).toHaveLength(1);
    expect(report.diagnostics[0]).toMatchObject({
      file: 'challenges/broken/index.md',
      ruleId: 'lab:unknown-task',
      severity: 'error',
      span: { start: { line: 26, column: 8 }, end: { line: 26, column: 19 } },
      actual: 'verify_typo',
    });
  });

  it('passes with warnings unless --max-warnings is exceeded', async () => {
    const dir = warned();
    const plain = await lab(['validate', dir]);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('lab:unknown-field');
    expect(plain.stdout).toContain('0 errors, 1 warning');

    expect((await lab(['validate', dir, '--max-warnings', '1'])).code).toBe(0);
    const strict = await lab(['validate', dir, '--max-warnings', '0']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('more than --max-warnings 0');

    const json = await lab(['validate', dir, '--max-warnings', '0', '--format', 'json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).summary.warnings).toBe(1);
  });

  it('lists what Labkit does not know, with every place, in the JSON compatibility section', async () => {
    const dir = repo({
      'challenges/newer/index.md': `---
${FRONT.replace('difficulty: easy', 'difficulty: expert')}
conditions: [a]
tasks:
  verify_one:
    run: test -f /tmp/one
    retries: 3
  verify_two:
    run: test -f /tmp/two
    retries: 1
---
${SHOWN}
::simple-task{:tasks=tasks :name=verify_two}
::

::quiz-box
Why?
::

::image-box{src="__static__/x.png" alt="x" caption="A box"}
::
`,
      'challenges/newer/__static__/x.png': 'png',
    });
    const result = await lab(['validate', dir, '--format', 'json', '--quiet']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.diagnostics).toEqual([]); // --quiet hides the warnings, not the report
    expect(report.compatibility).toEqual({
      'component quiz-box': ['challenges/newer/index.md:31:1'],
      'field conditions': ['challenges/newer/index.md:9:1'],
      'field tasks.*.retries': ['challenges/newer/index.md:13:5', 'challenges/newer/index.md:16:5'],
      'prop image-box.caption': ['challenges/newer/index.md:35:44'],
      'value difficulty: expert': ['challenges/newer/index.md:7:13'],
    });
  });

  it('--quiet shows errors only', async () => {
    const result = await lab(['validate', warned(), '--quiet']);
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('lab:unknown-field');
  });

  it('gives clear messages for bad flags and a missing folder', async () => {
    const badCount = await lab(['validate', '--max-warnings', 'lots']);
    expect(badCount.code).not.toBe(0);
    expect(badCount.stderr).toContain("option '--max-warnings <n>' argument 'lots' is invalid");

    const badFormat = await lab(['validate', '--format', 'xml']);
    expect(badFormat.code).not.toBe(0);
    expect(badFormat.stderr).toContain('Allowed choices are pretty, json');

    const unknown = await lab(['validate', '--colour']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown option '--colour'");

    const missing = await lab(['validate', join(tempDir('validate-missing'), 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error[DirectoryNotFound]');
    expect(missing.stderr).toContain('hint:');
  });
});
