// The parse pack's appends: a pack patched by appending lines must read
// back exactly as a pack written whole from the same parses, a damaged tail
// must cost only a re-parse, and the file must not grow without bound.
import { appendFileSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ParseCache, parseCachePath } from '../../src/graph/parse-cache.ts';
import { describeCorpus } from '../../../../test-support/corpus.ts';
import { model, samplesFixture } from './samples-fixture.ts';

const { content, cacheDir, load } = samplesFixture('labkit-parse-pack-');

/** Every Markdown file of the content folder with its text. */
function markdown(): Array<[string, string]> {
  return readdirSync(content, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => [f, readFileSync(join(content, f), 'utf8')]);
}

/** What a pack serves for each file now (undefined: a miss). */
function served(file: string) {
  const cache = new ParseCache(file);
  return markdown().map(([rel, text]) => [rel, cache.get(rel, text)] as const);
}

describeCorpus('parse pack appends', () => {
  const pack = parseCachePath(content, cacheDir);
  const edited = join(content, 'sample-challenge/index.md');

  it('patches the pack for an edited and a deleted file, and the patched pack reads as one written whole', async () => {
    await load();
    const before = readFileSync(pack);
    writeFileSync(edited, readFileSync(edited, 'utf8').replace(/\n---\n/, '\n---\n\nA paragraph added by the pack test.\n'));
    rmSync(join(content, 'sample-skill-path/unit-10.md'));
    const patched = await load();
    expect(patched.parsed).toBe(1);
    const after = readFileSync(pack);
    // Appended: the old bytes are still the file's start, and it only grew by the new lines.
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.subarray(0, before.length).equals(before)).toBe(true);
    expect(after.length - before.length).toBeLessThan(before.length / 2);

    const fromPatched = served(pack);
    // The same parses written whole: a fresh pack.
    rmSync(pack);
    expect((await load()).parsed).toBeGreaterThan(5);
    const whole = served(pack);
    expect(fromPatched).toStrictEqual(whole);
    expect(fromPatched.filter(([, doc]) => doc !== undefined).length).toBeGreaterThan(5);
    expect(new ParseCache(pack).get('sample-skill-path/unit-10.md', 'anything')).toBeUndefined();
    // And the graph from the patched pack is the uncached one.
    rmSync(pack);
    await load();
    writeFileSync(edited, readFileSync(edited, 'utf8').replace('A paragraph added by the pack test.', 'Edited again.'));
    expect((await load()).parsed).toBe(1);
    const cached = await load();
    expect(cached.parsed).toBe(0);
    const cold = await load(false);
    expect(model(cached.graph)).toEqual(model(cold.graph));
    expect(cached.graph.diagnostics).toEqual(cold.graph.diagnostics);
    for (const [rel, d] of cold.graph.documents) expect(cached.graph.documents.get(rel)?.parsed, rel).toStrictEqual(d.parsed);
  }, 60_000); // several loads of the samples

  it('skips a damaged tail, parses that file again and writes the pack whole', async () => {
    await load();
    const good = served(pack);
    // A write cut short: half of an entry's line, no newline.
    const lines = readFileSync(pack, 'utf8').split('\n');
    const victim = lines.findIndex((l) => l.startsWith('["sample-challenge/index.md"'));
    appendFileSync(pack, lines[victim]!.slice(0, 200));
    const damaged = new ParseCache(pack);
    expect(damaged.get('sample-challenge/index.md', readFileSync(edited, 'utf8'))).toBeDefined(); // its earlier line still serves
    expect(damaged.save()).toBe(true);
    expect(damaged.lastSave).toBe('rewritten');
    expect(served(pack)).toStrictEqual(good);
    expect(readFileSync(pack, 'utf8').endsWith('\n')).toBe(true);

    // A damaged line in the middle: that file is a miss, parsed again, and the pack is whole again.
    const text = readFileSync(pack, 'utf8').split('\n');
    const i = text.findIndex((l) => l.startsWith('["sample-challenge/index.md"'));
    text[i] = text[i]!.slice(0, 100);
    writeFileSync(pack, text.join('\n'));
    expect((await load()).parsed).toBe(1);
    expect(served(pack)).toStrictEqual(good);
    expect((await load()).parsed).toBe(0);
  }, 60_000); // several loads of the samples

  it('is written whole again before superseded lines outweigh live ones', async () => {
    await load();
    const live = statSync(pack).size;
    const [rel, text] = markdown().find(([f]) => f === 'sample-challenge/index.md')!;
    const cache = new ParseCache(pack);
    const doc = cache.get(rel, text)!;
    const saves: string[] = [];
    // The biggest entry set again and again (as a save loop in a long `lab dev` would, across processes).
    for (let k = 0; k < 40; k++) {
      const next = new ParseCache(pack);
      next.set({ ...doc, digest: `${doc.digest}-${k % 2}` });
      next.save();
      saves.push(next.lastSave);
      expect(statSync(pack).size).toBeLessThanOrEqual(2 * live + 64 * 1024);
    }
    expect(saves).toContain('appended');
    expect(saves).toContain('rewritten');
    const last = new ParseCache(pack).get(rel, text);
    expect(last?.digest).toBe(`${doc.digest}-1`);
  }, 60_000); // several loads of the samples
});
