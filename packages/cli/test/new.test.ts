import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';

describe('lab new', () => {
  let root: string;
  beforeAll(() => {
    root = tempDir('new');
  });

  // Every kind, in an order where parents exist before their children.
  const cases: Array<{ args: string[]; expectFile: string }> = [
    { args: ['tutorial', 'read-the-logs'], expectFile: 'tutorials/read-the-logs/index.md' },
    { args: ['challenge', 'fix-perms'], expectFile: 'challenges/fix-perms/index.md' },
    { args: ['challenge', 'typed-one', '--ts'], expectFile: 'challenges/typed-one/index.lab.ts' },
    { args: ['skill-path', 'linux-path'], expectFile: 'skill-paths/linux-path/index.md' },
    { args: ['unit', 'linux-path/second-step'], expectFile: 'skill-paths/linux-path/unit-20.md' },
    { args: ['course', 'my-course'], expectFile: 'courses/my-course/index.md' },
    { args: ['module', 'my-course/advanced'], expectFile: 'courses/my-course/020.advanced/000.index.md' },
    { args: ['lesson', 'my-course/advanced/deep-dive'], expectFile: 'courses/my-course/020.advanced/010.deep-dive/000.index.md' },
    { args: ['unit', 'my-course/advanced/deep-dive/more'], expectFile: 'courses/my-course/020.advanced/010.deep-dive/unit-010.md' },
    { args: ['lesson', 'my-course/flat-lesson'], expectFile: 'courses/my-course/030.flat-lesson/000.index.md' },
  ];

  for (const { args, expectFile } of cases) {
    it(`creates ${args.join(' ')} and the result validates`, async () => {
      const result = await lab(['new', ...args, '--dir', root]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(readFileSync(join(root, expectFile), 'utf8').length).toBeGreaterThan(0);
      const validate = await lab(['validate', root, '--format', 'json']);
      const report = JSON.parse(validate.stdout);
      expect(report.diagnostics).toEqual([]);
      expect(validate.code).toBe(0);
    });
  }

  it('never overwrites an existing item', async () => {
    const file = join(root, 'tutorials/read-the-logs/index.md');
    writeFileSync(file, 'my edits');
    const result = await lab(['new', 'tutorial', 'read-the-logs', '--dir', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[AlreadyExists]');
    expect(readFileSync(file, 'utf8')).toBe('my edits');
  });

  it('suggests the closest kind for a typo', async () => {
    const result = await lab(['new', 'chalenge', 'x', '--dir', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[UnknownKind]');
    expect(result.stderr).toContain('Did you mean "challenge"?');
  });

  it('rejects names that cannot be folder names or slugs', async () => {
    const result = await lab(['new', 'challenge', 'Bad Name', '--dir', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[InvalidName]');
  });

  it('explains a missing parent', async () => {
    const result = await lab(['new', 'lesson', 'no-such-course/intro', '--dir', root]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error[MissingParent]');
    expect(result.stderr).toContain('hint:');
  });
});
