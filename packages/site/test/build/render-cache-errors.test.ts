// What the render cache does with an entry it cannot read. No entry and a
// torn one are misses (the page is rendered again); anything else used to
// be passed off as a miss too, and the build then failed writing the entry
// with a bare EISDIR that named no cache. Real files, real renders.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDocument } from '@labkit/sdk';
import { RenderCache } from '../../src/build/render-cache.ts';

const doc = parseDocument('# A Page\n\nSome text.\n', { file: 'page.md' });
const key = { file: 'page.md', digest: doc.digest };

async function cacheDir(): Promise<string> {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'labkit-render-cache-errors-')), 'render');
}

describe('RenderCache entries it cannot read', () => {
  it('renders again over a torn entry (a killed build), and rewrites it', async () => {
    const dir = await cacheDir();
    const first = new RenderCache(dir, { memory: false });
    await first.render(key, () => structuredClone(doc.mdast), {});
    const [entry] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    await writeFile(path.join(dir, entry!), '{"deps": [');
    const second = new RenderCache(dir, { memory: false });
    const result = await second.render(key, () => structuredClone(doc.mdast), {});
    expect(second.misses).toBe(1);
    expect(result.html).toContain('Some text.');
    const third = new RenderCache(dir, { memory: false });
    await third.render(key, () => structuredClone(doc.mdast), {});
    expect(third.hits).toBe(1);
  });

  it('stops with a catalogue error naming the entry when reading it fails for another reason', async () => {
    const dir = await cacheDir();
    const first = new RenderCache(dir, { memory: false });
    await first.render(key, () => structuredClone(doc.mdast), {});
    const [entry] = (await readdir(dir)).filter((f) => f.endsWith('.json'));
    const file = path.join(dir, entry!);
    // The entry's path is a folder now: readFile fails with EISDIR.
    await rm(file);
    await mkdir(file);
    const second = new RenderCache(dir, { memory: false });
    await expect(second.render(key, () => structuredClone(doc.mdast), {})).rejects.toMatchObject({
      code: 'RenderCacheUnreadable',
      message: expect.stringContaining(file),
    });
  });
});
