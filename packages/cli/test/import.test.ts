import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { lab, tempDir } from './helpers.ts';
import { corpusPath, describeCorpus } from '../../../test-support/corpus.ts';

const scenario = corpusPath('killercoda-examples', 'verification');

describeCorpus('lab import killercoda (the real process)', () => {
  it('imports a scenario into content that lab validate accepts, and refuses to overwrite it', async () => {
    const out = join(tempDir('import'), 'content');
    const imported = await lab(['import', 'killercoda', scenario, '--out', out, '--format', 'json']);
    expect(imported.code, imported.stderr).toBe(0);

    // The verify script became a challenge task.
    const [item] = readdirSync(out);
    expect(item).toBeDefined();
    const index = readFileSync(join(out, item!, 'index.md'), 'utf8');
    expect(index).toMatch(/^kind: challenge$/m);
    expect(index).toContain(readFileSync(join(scenario, 'verify.sh'), 'utf8').trim().split('\n').at(-1)!.trim());

    const validated = await lab(['validate', out, '--format', 'json']);
    expect(validated.code, validated.stdout + validated.stderr).toBe(0);

    const again = await lab(['import', 'killercoda', scenario, '--out', out]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/--force/);
    expect(existsSync(join(out, item!, 'index.md'))).toBe(true);
  });
});
