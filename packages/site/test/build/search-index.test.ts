import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContent } from '@labkit/sdk';
import { build, buildSitePages, collectAssets, loadSiteConfig, RenderCache, siteContentFromGraph } from '../../src/index.ts';
import { buildSearchShards, indexSearch, linkSearch, searchRecords, textOf } from '../../src/build/search-index.ts';
import { fixtureSite } from '../helpers.ts';

describe('textOf', () => {
  it('keeps words apart across blocks, glues inline markup, decodes entities', () => {
    expect(textOf('<span class="lk-card-kind">challenge</span><strong class="lk-card-title">Tasks</strong>')).toBe('challenge Tasks');
    expect(textOf('<p>Run <code>docker&nbsp;ps</code> and <strong>wait</strong></p><p>a &lt;b&gt; &amp; c</p>')).toBe('Run docker&nbsp;ps and wait\na <b> & c');
    expect(textOf('<script>alert(1)</script>ok')).toBe('ok');
  });
});

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

async function expectSameTree(actual: string, expected: string): Promise<void> {
  const list = await files(expected);
  expect(list.length).toBeGreaterThan(0);
  expect(await files(actual)).toEqual(list);
  for (const f of list) expect(await readFile(path.join(actual, f)), f).toEqual(await readFile(path.join(expected, f)));
}

/**
 * A full build indexes the search shards while Astro writes the pages (into
 * the cache, before the site folder exists) and links them afterwards. Its
 * `pagefind/` must be what indexing the same records after the pages were
 * written gives, byte for byte, for one shard and for several.
 */
describe('search built beside Astro', () => {
  it('a full build writes the same pagefind/ as indexSearch over the finished site', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-search-'));
    const content = path.join(tmp, 'content');
    await cp(fixtureSite, content, { recursive: true });
    const site = siteContentFromGraph(await loadContent(content));
    const config = await loadSiteConfig(content);
    const { pages } = await buildSitePages(site, await collectAssets(site.items, site.root), config, new RenderCache());
    const records = searchRecords(pages, config.base);
    expect(records.length).toBeGreaterThan(3);
    for (const shardSize of [200, 3]) {
      const out = path.join(tmp, `out-${shardSize}`);
      const r = await build({ dir: content, outDir: out, force: true, searchShardSize: shardSize });
      expect(r).toMatchObject({ ok: true, mode: 'full' });
      expect(r.search!.shards).toBe(shardSize === 3 ? Math.ceil(records.length / 3) : 1);
      expect(r.timings['searchIndexMs']).toBeGreaterThanOrEqual(0);
      // The old order: the site first, then the whole index, from a cache of its own.
      const after = path.join(tmp, `after-${shardSize}`);
      await indexSearch(after, records, { cacheDir: path.join(tmp, `cache-${shardSize}`), shardSize, force: true });
      await expectSameTree(path.join(out, 'pagefind'), path.join(after, 'pagefind'));
    }
  }, 240_000);

  it('a fresh rebuild, with search text from the render cache, indexes what a forced full build does', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-search-'));
    const content = path.join(tmp, 'content');
    await cp(fixtureSite, content, { recursive: true });
    const out = path.join(tmp, 'out');
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true, mode: 'full' });
    const file = path.join(content, 'challenges/xss-and-tasks/index.md');
    await writeFile(file, (await readFile(file, 'utf8')).replace('Start with the first task.', 'Start with the zyzzogeton task.'));
    const rebuilt = await build({ dir: content, outDir: out });
    expect(rebuilt).toMatchObject({ ok: true, mode: 'incremental', rendered: 1 });
    expect(rebuilt.reused).toBeGreaterThan(5);
    const full = await build({ dir: content, outDir: path.join(tmp, 'full'), force: true });
    expect(full.mode).toBe('full');
    await expectSameTree(path.join(out, 'pagefind'), path.join(tmp, 'full', 'pagefind'));
  }, 240_000);

  it('shards built one at a time before the site folder exists link to the same files as indexSearch', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-search-'));
    const records = Array.from({ length: 9 }, (_, i) => ({ url: `/p${i}/`, title: `Page ${i}`, parts: [`Body of page ${i} with the word zorblax${'abcdefghi'[i]}q.`] }));
    const built = await buildSearchShards(records, { cacheDir: path.join(tmp, 'c1'), shardSize: 3, concurrency: 1 });
    expect(built.dirty).toEqual([0, 1, 2]);
    const summary = await linkSearch(path.join(tmp, 'site1'), built);
    expect(summary).toEqual({ shards: 3, rebuilt: [0, 1, 2] });
    await indexSearch(path.join(tmp, 'site2'), records, { cacheDir: path.join(tmp, 'c2'), shardSize: 3 });
    await expectSameTree(path.join(tmp, 'site1', 'pagefind'), path.join(tmp, 'site2', 'pagefind'));
    // Built again from the cache: nothing indexed, the same files.
    const again = await buildSearchShards(records, { cacheDir: path.join(tmp, 'c1'), shardSize: 3, concurrency: 1 });
    expect(again.dirty).toEqual([]);
  }, 120_000);

  it('splits by text as well as by pages; a rebuild that knows unchanged pages only by token keeps the split and indexes one shard', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-search-'));
    const words = ['kettle', 'lantern', 'meadow', 'nutmeg', 'orchard', 'pebble', 'quartz', 'rhubarb', 'saffron', 'thistle', 'umber', 'violet'];
    const texts = words.map((w, i) => `Page ${i} is about ${w}. ` + `${w} notes `.repeat(80));
    const records = (t: string[]) => t.map((text, i) => ({ url: `/w${i}/`, title: `W ${i}`, parts: [text] }));
    // 12 pages of ~1 KB: 200 pages per shard would be one shard; a bound of 1/3.5 of the text makes four.
    const opts = { shardSize: 200, shardBytes: Math.ceil(texts.join('').length / 3.5), concurrency: 1 };
    const first = await buildSearchShards(records(texts), { ...opts, cacheDir: path.join(tmp, 'c') });
    expect(await linkSearch(path.join(tmp, 'site'), first)).toMatchObject({ shards: 4 });

    // One page edited; the others are tokens (as a fresh rebuild's render index gives them): their text is not read to count.
    const edited = [...texts];
    edited[5] = edited[5]!.replace('pebble', 'pebbles and zorblax');
    const token = new Map<string, string>(edited.map((t, i) => [`\u0000token-${i}`, t]));
    const digestOf = (t: string) => createHash('sha256').update(t).digest('hex').slice(0, 24);
    let read = 0;
    const tokens = {
      digestOf: (part: string) => (token.has(part) ? digestOf(token.get(part)!) : undefined),
      text: (part: string) => (token.has(part) ? (read++, token.get(part)!) : part),
    };
    const parts = edited.map((t, i) => (i === 5 ? t : `\u0000token-${i}`));
    const rebuilt = await buildSearchShards(records(parts), { ...opts, cacheDir: path.join(tmp, 'c'), tokens });
    expect(rebuilt.keys).toHaveLength(4);
    expect(rebuilt.dirty).toHaveLength(1);
    await linkSearch(path.join(tmp, 'site'), rebuilt);
    // Only the pages of the one shard indexed again were read.
    expect(read).toBeLessThan(texts.length - 1);
    // The same index as building the edited pages from their texts.
    await indexSearch(path.join(tmp, 'whole'), records(edited), { ...opts, cacheDir: path.join(tmp, 'c2') });
    await expectSameTree(path.join(tmp, 'site', 'pagefind'), path.join(tmp, 'whole', 'pagefind'));
    // A state file written by someone else does not break the count.
    await writeFile(path.join(tmp, 'c', 'search', 'state.json'), JSON.stringify({ shards: 'x', recordBytes: 'NaN' }));
    expect((await buildSearchShards(records(parts), { ...opts, cacheDir: path.join(tmp, 'c'), tokens })).keys.length).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('two indexings in one process share the Pagefind service: the first to finish does not fail the other', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-search-'));
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ url: `/q${i}/`, title: `Q ${i}`, parts: [`Text ${i} `.repeat(200)] }));
    // Small indexings start and finish, one after another, for as long as the big one runs.
    let bigDone = false;
    const big = buildSearchShards(records(600), { cacheDir: path.join(tmp, 'big'), shardSize: 100, concurrency: 1 }).finally(() => (bigDone = true));
    let smalls = 0;
    while (!bigDone) {
      expect((await buildSearchShards(records(2), { cacheDir: path.join(tmp, 'small'), shardSize: 200, force: true })).dirty).toEqual([0]);
      smalls++;
    }
    expect((await big).dirty).toEqual([0, 1, 2, 3, 4, 5]);
    expect(smalls).toBeGreaterThan(0);
  }, 120_000);
});
