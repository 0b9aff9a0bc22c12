// lab test --solution [challenge=]file: which challenge a script from outside
// the content folder is for, and every way of getting that wrong. Nothing
// here boots a VM: each error is raised before the first boot, and the
// mapping is read off the report of challenges whose playground has no
// definition (they stop before booting). The real run, the iximiuz sample
// challenge with test/compat/iximiuz-sample-challenge.solution.sh, is in .ci/test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';

/** Content with two challenges (alpha, beta) on a playground Labkit has no definition of, and solution scripts beside it, outside. */
function setup(): { content: string; dir: string } {
  const dir = tempDir('solution');
  const content = join(dir, 'content');
  for (const name of ['alpha', 'beta']) {
    mkdirSync(join(content, name), { recursive: true });
    writeFileSync(join(content, name, 'index.md'), `---\nkind: challenge\ntitle: ${name}\ndescription: A challenge.\nplayground:\n  name: no-such-playground\ntasks:\n  verify:\n    run: test -f /tmp/${name}\n---\n\nMake /tmp/${name}.\n`);
  }
  writeFileSync(join(content, 'alpha', 'solution.sh'), 'exit 1\n'); // its own, replaced by --solution
  writeFileSync(join(dir, 'alpha.sh'), '# session: root@machine\ntouch /tmp/alpha\n');
  writeFileSync(join(dir, 'empty.sh'), '#!/bin/sh\n# nothing to do\n# session: laborant@docker\n\n');
  return { content, dir };
}

describe('lab test --solution', () => {
  it('maps challenge=file to that challenge only, replacing its own solutions (report before any boot)', async () => {
    const { content, dir } = setup();
    const r = await lab(['test', content, '--solution', `alpha=${join(dir, 'alpha.sh')}`, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { challenges: Array<{ name: string; solution?: string; error?: string }> };
    const byName = Object.fromEntries(report.challenges.map((c) => [c.name, c]));
    expect(report.challenges.filter((c) => c.name === 'alpha')).toHaveLength(1); // not its solution.sh as well
    expect(byName['alpha']!.solution).toBe(`${join(dir, 'alpha.sh')} (--solution)`);
    expect(byName['alpha']!.error).toMatch(/no-such-playground/);
    expect(byName['beta']!.solution).toBeUndefined();
    expect(byName['beta']!.error).toMatch(/^no solution: .*lab test --solution/);
  });

  it('takes a bare file when one challenge is selected (--only), and the challenge id as the name', async () => {
    const { content, dir } = setup();
    for (const args of [['--only', 'alpha', '--solution', join(dir, 'alpha.sh')], ['--solution', `challenge:alpha=${join(dir, 'alpha.sh')}`, '--only', 'alpha']]) {
      const r = await lab(['test', content, ...args, '--format', 'json']);
      const report = JSON.parse(r.stdout) as { challenges: Array<{ name: string; solution?: string }> };
      expect(report.challenges.map((c) => [c.name, c.solution])).toEqual([['alpha', `${join(dir, 'alpha.sh')} (--solution)`]]);
    }
  });

  it('refuses a bare file when several challenges are selected, and says how to name one', async () => {
    const { content, dir } = setup();
    const r = await lab(['test', content, '--solution', join(dir, 'alpha.sh')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--solution ${join(dir, 'alpha.sh')} names no challenge, and 2 challenges are selected (alpha, beta)`);
    expect(r.stderr).toContain(`--solution alpha=${join(dir, 'alpha.sh')}`);
    expect(r.stdout).toBe('');
  });

  it('refuses a name that selects no challenge (one left out by --only included), two scripts for one challenge, and a second bare file', async () => {
    const { content, dir } = setup();
    const file = join(dir, 'alpha.sh');
    const unknown = await lab(['test', content, '--solution', `gamma=${file}`]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--solution gamma=... names no selected challenge (selected: alpha, beta)');
    const filtered = await lab(['test', content, '--only', 'beta', '--solution', `alpha=${file}`]);
    expect(filtered.stderr).toContain('--solution alpha=... names no selected challenge (selected: beta)');
    const twice = await lab(['test', content, '--solution', `alpha=${file}`, '--solution', `challenge:alpha=${file}`]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--solution gives challenge alpha more than one script');
    const twoBare = await lab(['test', content, '--only', 'alpha', '--solution', file, '--solution', file]);
    expect(twoBare.stderr).toContain('--solution gives challenge alpha more than one script');
  });

  it('refuses a missing file, a script with no command, and challenge= without a file; ./a=b.sh is a file', async () => {
    const { content, dir } = setup();
    const missing = await lab(['test', content, '--solution', `alpha=${join(dir, 'nope.sh')}`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--solution ${join(dir, 'nope.sh')}: ENOENT`);
    const empty = await lab(['test', content, '--solution', `alpha=${join(dir, 'empty.sh')}`]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('holds only blank lines, comments and `# session:` lines');
    const noFile = await lab(['test', content, '--solution', 'alpha=']);
    expect(noFile.code).not.toBe(0);
    expect(noFile.stderr).toContain('expected challenge=file, the file is missing');
    const eqInPath = await lab(['test', content, '--only', 'alpha', '--solution', './a=b.sh'], { cwd: dir });
    expect(eqInPath.stderr).toContain('--solution ./a=b.sh: ENOENT');
  });
});
