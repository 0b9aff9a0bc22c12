import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { importKillercoda, parseDocument } from '@labkit/sdk';
import { fingerprint } from './fixture-tree.ts';
import { loadImported } from './validate-output.ts';
import { corpusPath, describeCorpus } from '../../../../test-support/corpus.ts';

const corpus = corpusPath('killercoda-examples');
const work = mkdtempSync(path.join(tmpdir(), 'labkit-import-corpus-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every folder of the corpus with an index.json: one Killercoda scenario each. */
function scenarios(dir: string, rel = ''): string[] {
  if (existsSync(path.join(dir, 'index.json'))) return [rel];
  return readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory())
    .sort()
    .flatMap((name) => scenarios(path.join(dir, name), rel ? `${rel}/${name}` : name));
}

describeCorpus('importKillercoda on the Killercoda examples corpus', () => {
  it('imports every scenario, leaves the corpus untouched, and the result loads with zero errors', async () => {
    const before = fingerprint(corpus);
    const out = path.join(work, 'all');
    const result = await importKillercoda(corpus, { out });
    expect(fingerprint(corpus)).toBe(before);

    const expected = scenarios(corpus);
    expect(expected.length).toBeGreaterThanOrEqual(19);
    const imported = result.items.filter((i) => i.kind !== 'skill-path').map((i) => i.source).sort();
    expect(imported).toEqual(expected);
    for (const item of result.items) expect(existsSync(path.join(out, item.name, 'index.md')), item.name).toBe(true);
    // learning-linux is a folder of scenarios: a Killercoda course.
    expect(result.items).toContainEqual({ kind: 'skill-path', name: 'learning-linux', source: 'learning-linux' });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    const loaded = await loadImported(out);
    expect(loaded.errors).toEqual([]);
    expect(loaded.items).toEqual(result.items.map((i) => `${i.kind}:${i.name}`).sort());
  });

  it('maps verify scripts to challenges and the rest to tutorials', async () => {
    const out = path.join(work, 'kinds');
    const result = await importKillercoda(corpus, { out });
    const kinds = Object.fromEntries(result.items.map((i) => [i.name, i.kind]));
    expect(kinds.verification).toBe('challenge');
    expect(kinds['kubernetes-2node-multi-step-verification']).toBe('challenge');
    expect(kinds['code-actions']).toBe('tutorial');
    expect(kinds['ubuntu-simple']).toBe('tutorial');
  });

  it('imports one scenario folder on its own, images from outside it included', async () => {
    const out = path.join(work, 'one');
    const result = await importKillercoda(path.join(corpus, 'use-images'), { out });
    expect(result.items).toEqual([{ kind: 'tutorial', name: 'use-images', source: '' }]);
    const md = readFileSync(path.join(out, 'use-images', 'index.md'), 'utf8');
    // ../assets/logo.png lives beside the scenario, in the repository's assets folder.
    expect(md).toContain('__static__/logo.png');
    expect(readFileSync(path.join(out, 'use-images', '__static__', 'logo.png')).equals(readFileSync(path.join(corpus, 'assets', 'logo.png')))).toBe(true);
    const parsed = parseDocument(md, { file: 'use-images/index.md' });
    expect(parsed.diagnostics).toEqual([]);
    expect((await loadImported(out)).errors).toEqual([]);
  });
});
