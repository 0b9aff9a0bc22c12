import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument, renderDocument, type RenderOptions } from '@labkit/sdk';
import { RenderCache } from '../../src/build/render-cache.ts';
import { SEARCH_TEXT_VERSION, textOf } from '../../src/build/search-index.ts';

/**
 * The render cache on a real page (the iximiuz sample tutorial, read in
 * place): whatever path a render takes (fresh, from memory, from disk in a
 * cache that keeps nothing in memory, handed back by a declining worker
 * hook), the result equals an uncached render.
 */
const file = path.resolve(import.meta.dirname, '../../../../../shared/corpus/iximiuz-samples/sample-tutorial/index.md');

describe('RenderCache', () => {
  it('cached renders equal an uncached render', async () => {
    const source = await readFile(file, 'utf8');
    const doc = parseDocument(source, { file });
    const options: RenderOptions = { preview: false, resolveAsset: (src) => ({ url: `/assets/${src}` }) };
    const uncached = await renderDocument(structuredClone(doc.mdast), options);
    expect(uncached.html.length).toBeGreaterThan(1000);

    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'labkit-render-cache-')), 'render');
    const key = { file, digest: doc.digest };
    // Fresh, with a worker hook that declines: rendered here, stored on disk.
    let offered = 0;
    const first = new RenderCache(dir, { memory: false });
    const fresh = await first.render(key, () => structuredClone(doc.mdast), options, () => (offered++, undefined));
    expect(offered).toBe(1);
    expect(first.misses).toBe(1);
    expect(fresh).toEqual(uncached);
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    // Same cache, no memory: the second render is read back from disk.
    let parsed = 0;
    const again = await first.render(key, () => (parsed++, structuredClone(doc.mdast)), options);
    expect(first.hits).toBe(1);
    expect(parsed).toBe(0);
    expect(again).toEqual(uncached);

    // A new cache over the same folder (the next `lab build`), and one that keeps memory.
    for (const cache of [new RenderCache(dir, { memory: false }), new RenderCache(dir)]) {
      const hit = await cache.render(key, () => structuredClone(doc.mdast), options);
      expect(cache.hits).toBe(1);
      expect(hit).toEqual(uncached);
    }

    // A lookup that now answers differently invalidates the entry.
    const moved: RenderOptions = { ...options, resolveAsset: (src) => ({ url: `/moved/${src}` }) };
    const cache = new RenderCache(dir, { memory: false });
    const rerendered = await cache.render(key, () => structuredClone(doc.mdast), moved);
    expect(cache.misses).toBe(1);
    expect(rerendered).toEqual(await renderDocument(structuredClone(doc.mdast), moved));
  }, 120_000);

  it('a long-lived cache whose folder was removed between builds makes it again and stores the entry', async () => {
    const doc = parseDocument('# Title\n\nSome text.\n', { file: 'index.md' });
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'labkit-render-cache-')), 'render');
    const cache = new RenderCache(dir, { memory: false });
    await cache.render({ file: 'a.md', digest: 'a' }, () => structuredClone(doc.mdast), {});
    await rm(dir, { recursive: true });
    const second = await cache.render({ file: 'b.md', digest: 'b' }, () => structuredClone(doc.mdast), {});
    expect(second).toEqual(await renderDocument(structuredClone(doc.mdast), {}));
    expect((await readdir(dir)).filter((f) => f.endsWith('.json'))).toHaveLength(1);
  });

  it('keeps each render\'s search text with its entry: read back, it equals extracting it from the HTML, and a stale one is not used', async () => {
    const source = await readFile(file, 'utf8');
    const doc = parseDocument(source, { file });
    const options: RenderOptions = { preview: false };
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'labkit-render-cache-')), 'render');
    const key = { file, digest: doc.digest };
    const texts = new Map<string, string>();
    const fresh = await new RenderCache(dir, { memory: false, texts }).render(key, () => structuredClone(doc.mdast), options);
    const expected = textOf(fresh.html);
    expect(expected.length).toBeGreaterThan(500);
    expect([...texts]).toEqual([[fresh.html, expected]]);
    const [entryFile] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const entry = JSON.parse(await readFile(path.join(dir, entryFile!), 'utf8')) as { text: [string, string] };
    expect(entry.text).toEqual([SEARCH_TEXT_VERSION, expected]);

    // The next build's cache hands the stored text over with the hit.
    const next = new Map<string, string>();
    const hit = await new RenderCache(dir, { memory: false, texts: next }).render(key, () => structuredClone(doc.mdast), options);
    expect(hit).toEqual(fresh);
    expect([...next]).toEqual([[fresh.html, expected]]);

    // Text written by another version of textOf is extracted again, not trusted.
    await writeFile(path.join(dir, entryFile!), JSON.stringify({ ...entry, text: ['t0', 'stale words'] }));
    const again = new Map<string, string>();
    await new RenderCache(dir, { memory: false, texts: again }).render(key, () => structuredClone(doc.mdast), options);
    expect([...again]).toEqual([[fresh.html, expected]]);
  }, 120_000);
});
