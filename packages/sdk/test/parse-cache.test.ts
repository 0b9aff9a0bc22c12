import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ParseCache, parseCachePath, pipelineVersion, STALE_PACK_MS } from '../src/graph/parse-cache.ts';
import { corpusPath, describeCorpus } from '../../../test-support/corpus.ts';
import { model, samplesFixture } from './graph/samples-fixture.ts';

const samples = corpusPath('iximiuz-samples');
const { content, cacheDir, load } = samplesFixture('labkit-parse-cache-');

describeCorpus('on-disk parse cache', () => {
  const pack = parseCachePath(content, cacheDir);

  it('lives outside the content folder and gives the same graph as an uncached load', async () => {
    expect(pack.startsWith(join(cacheDir, 'parse') + '/')).toBe(true);
    const cold = await load(false);
    expect(cold.parsed).toBeGreaterThan(5);
    expect(existsSync(pack)).toBe(false);

    const first = await load();
    expect(first.parsed).toBe(cold.parsed);
    expect(existsSync(pack)).toBe(true);

    const { mtimeMs: mtime, size } = statSync(pack);
    // A pack of a content root unused for two weeks is swept; a recent one stays.
    const old = join(cacheDir, 'parse', 'gone-root.json');
    const recent = join(cacheDir, 'parse', 'other-root.json');
    writeFileSync(old, '{}');
    writeFileSync(recent, '{}');
    const longAgo = new Date(Date.now() - STALE_PACK_MS - 60_000);
    utimesSync(old, longAgo, longAgo);
    const second = await load();
    expect(second.parsed).toBe(0);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(model(second.graph)).toEqual(model(cold.graph));
    // Strict too: no property lost or added on the way through the pack.
    for (const [rel, d] of cold.graph.documents) expect(second.graph.documents.get(rel)?.parsed, rel).toStrictEqual(d.parsed);
    // Positions survive the round trip, diagnostics included.
    expect(second.graph.diagnostics).toEqual(cold.graph.diagnostics);
    expect(second.graph.diagnostics.length).toBeGreaterThan(0);
    const doc = second.graph.documents.get('sample-challenge/index.md');
    expect(doc?.parsed.mdast.children[0]?.position?.start.line).toBeGreaterThan(1);
    // Nothing changed: the pack is not rewritten (only its mtime marks it used).
    expect(statSync(pack).size).toBe(size);
    expect(statSync(pack).mtimeMs).toBeGreaterThanOrEqual(mtime);
  });

  it('re-parses only an edited file, and prunes deleted ones', async () => {
    await load();
    const file = join(content, 'sample-challenge/index.md');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n---\n/, '\n---\n\nFreshly edited paragraph.\n'));
    const edited = await load();
    expect(edited.parsed).toBe(1);
    expect(JSON.stringify(edited.graph.documents.get('sample-challenge/index.md')?.parsed.mdast)).toContain('Freshly edited paragraph.');
    expect(model(edited.graph)).toEqual(model((await load(false)).graph));
    expect((await load()).parsed).toBe(0);

    rmSync(join(content, 'sample-skill-path/unit-10.md'));
    await load();
    const cache = new ParseCache(pack);
    const src = readFileSync(join(samples, 'sample-skill-path/unit-10.md'), 'utf8');
    expect(cache.get('sample-skill-path/unit-10.md', src)).toBeUndefined();
    const kept = 'sample-challenge/index.md';
    expect(cache.get(kept, readFileSync(join(content, kept), 'utf8'))).toBeDefined();
  });

  it('does not cache front matter JSON cannot carry', async () => {
    const file = join(content, 'sample-tutorial/index.md');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('---\n', '---\nweight: .inf\n'));
    try {
      const cold = await load(false);
      expect(cold.graph.documents.get('sample-tutorial/index.md')?.data?.['weight']).toBe(Infinity);
      await load();
      const again = await load();
      expect(again.parsed).toBe(1);
      expect(again.graph.documents.get('sample-tutorial/index.md')?.data?.['weight']).toBe(Infinity);
      expect(model(again.graph)).toEqual(model(cold.graph));
    } finally {
      writeFileSync(file, original);
    }
  });

  it('ignores and replaces a corrupt pack', async () => {
    writeFileSync(pack, '{"version": "x", "entries": [[');
    const { graph, parsed } = await load();
    expect(parsed).toBeGreaterThan(5);
    expect(graph.diagnostics).toEqual((await load(false)).graph.diagnostics);
    expect((await load()).parsed).toBe(0);
  });

  it('is invalidated by another pipeline version', async () => {
    await load();
    const old = new ParseCache(pack, pipelineVersion());
    const kept = 'sample-challenge/index.md';
    const text = readFileSync(join(content, kept), 'utf8');
    expect(old.get(kept, text)).toBeDefined();
    expect(pipelineVersion()).toMatch(/@labkit\/sdk@\S+ parse@\d+ remark-parse@\d\S* remark-gfm@\d\S* remark-mdc@\d\S* yaml@\d/);
    const upgraded = new ParseCache(pack, pipelineVersion() + '-next');
    expect(upgraded.get(kept, text)).toBeUndefined();
    expect(upgraded.save()).toBe(true); // the outdated pack is replaced
    expect((await load()).parsed).toBeGreaterThan(5);
    expect((await load()).parsed).toBe(0);
  });
});
