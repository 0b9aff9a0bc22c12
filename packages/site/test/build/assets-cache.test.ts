// The asset digest cache (content/assets.ts, `<cache>/assets.json`): a fresh
// process takes an unchanged image's digest and size from it instead of
// reading and hashing the file again. What it gives must equal hashing
// every file; an edited image (even one with its mtime put back) is hashed
// again; a file changed in the racy window is not kept; --force ignores it;
// a cache file written by someone else cannot point outside _assets/.
// Real files: the iximiuz sample tutorial and its images, read in place.
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadContent } from '@labkit/sdk';
import { snapshotTuning } from '../../../sdk/src/graph/snapshot.ts';
import { siteContentFromGraph } from '../../src/content/from-source.ts';
import type { SiteItem } from '../../src/content/site-content.ts';
import { corpusPath, describeCorpus } from '../../../../test-support/corpus.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'labkit-assets-cache-'));
const racy = snapshotTuning.racyMs;
let root: string;
let items: SiteItem[];

/** collectAssets of a new instance of its module: nothing remembered in memory, as in a new `lab build` process. */
let instances = 0;
async function fresh(cache?: { cacheFile?: string; read?: boolean }) {
  const url = `${new URL('../../src/content/assets.ts', import.meta.url).href}?instance=${instances++}`;
  const { collectAssets } = (await import(/* @vite-ignore */ url)) as typeof import('../../src/content/assets.ts');
  return collectAssets(items, root, cache);
}

const cacheFile = () => path.join(tmp, 'cache', 'assets.json');
const rows = () => (JSON.parse(readFileSync(cacheFile(), 'utf8')) as { files: [string, string, string, ...number[]][] }).files;

describeCorpus('asset digest cache (iximiuz sample tutorial)', () => {
  beforeAll(async () => {
    root = path.join(tmp, 'content');
    cpSync(corpusPath('iximiuz-samples/sample-tutorial'), path.join(root, 'tutorials/sample-tutorial'), { recursive: true });
    // The corpus is read-only: the copies must be writable for the edits below.
    for (const f of ['index.md', ...['cover.png', 'docker-run.png', 'mini-lan.png'].map((n) => `__static__/${n}`)]) {
      const file = path.join(root, 'tutorials/sample-tutorial', f);
      writeFileSync(file, readFileSync(file));
    }
    items = siteContentFromGraph(await loadContent(root)).items;
    // The files were written just now: trust their stamps (the racy window has its own test below).
    snapshotTuning.racyMs = 0;
  });
  afterAll(() => {
    snapshotTuning.racyMs = racy;
    rmSync(tmp, { recursive: true, force: true });
  });

  it('gives a fresh process what hashing every file gives, from the cache, and hashes an edited image again', async () => {
    // A whole-second mtime, so that it can be put back exactly after the edit below.
    const cover = path.join(root, 'tutorials/sample-tutorial/__static__/cover.png');
    utimesSync(cover, 1_700_000_000, 1_700_000_000);
    const hashed = await fresh();
    expect(hashed.size).toBe(8);
    for (const a of hashed.values()) expect(a.outPath).toMatch(/^_assets\/[\w.-]+\.[0-9a-f]{10}\.png$/);
    expect([...hashed.values()].every((a) => a.width! > 0 && a.height! > 0)).toBe(true);

    expect(await fresh({ cacheFile: cacheFile() })).toEqual(hashed);
    expect(rows()).toHaveLength(8);
    // A fresh process answers from the cache.
    expect(await fresh({ cacheFile: cacheFile() })).toEqual(hashed);

    // It trusts the stamp, not the bytes: a digest planted under a file's stamp comes back...
    const planted = rows().map((r) => (r[0] === cover ? [r[0], r[1], '_assets/cover.0000000000.png', ...r.slice(3)] : r));
    writeFileSync(cacheFile(), JSON.stringify({ version: 1, files: planted }));
    expect((await fresh({ cacheFile: cacheFile() })).get(cover)?.outPath).toBe('_assets/cover.0000000000.png');
    // ...so the stamp must change with the bytes: same size, mtime put back, only the ctime tells.
    const before = statSync(cover);
    const bytes = readFileSync(cover);
    bytes[bytes.length - 20]! ^= 0xff;
    writeFileSync(cover, bytes);
    utimesSync(cover, 1_700_000_000, 1_700_000_000);
    expect(statSync(cover, { bigint: true })).toMatchObject({ size: BigInt(before.size), mtimeNs: 1_700_000_000_000_000_000n });
    const edited = await fresh({ cacheFile: cacheFile() });
    const rehashed = await fresh();
    expect(edited).toEqual(rehashed);
    expect(edited.get(cover)!.outPath).not.toBe(hashed.get(cover)!.outPath);
    expect(edited.get(cover)!.outPath).not.toBe('_assets/cover.0000000000.png');
  });

  it('keeps no stamp of a file changed in the racy window', async () => {
    await fresh({ cacheFile: cacheFile() });
    const file = path.join(root, 'tutorials/sample-tutorial/__static__/mini-lan.png');
    writeFileSync(file, readFileSync(file));
    snapshotTuning.racyMs = 60_000;
    try {
      const assets = await fresh({ cacheFile: cacheFile() });
      expect(assets.has(file)).toBe(true);
      // Every file is younger than a minute: none is kept, each is hashed again next time.
      expect(rows()).toHaveLength(0);
    } finally {
      snapshotTuning.racyMs = 0;
    }
    expect(await fresh({ cacheFile: cacheFile() })).toEqual(await fresh());
    expect(rows()).toHaveLength(8);
  });

  it('--force (read: false) hashes every file and writes the cache afresh', async () => {
    const hashed = await fresh();
    await fresh({ cacheFile: cacheFile() });
    writeFileSync(cacheFile(), JSON.stringify({ version: 1, files: rows().map((r) => [r[0], r[1], r[2].replace(/\.[0-9a-f]{10}\./, '.ffffffffff.'), ...r.slice(3)]) }));
    expect(await fresh({ cacheFile: cacheFile(), read: false })).toEqual(hashed);
    expect(await fresh({ cacheFile: cacheFile() })).toEqual(hashed);
  });

  it('takes nothing from a hostile cache file: paths out of _assets/, relative sources, other versions, junk', async () => {
    const hashed = await fresh();
    await fresh({ cacheFile: cacheFile() });
    const good = rows();
    const [source, stamp] = good[0]!;
    const hostile = [
      [source, stamp, '../../../../tmp/pwned.png'],
      [source, stamp, '_assets/../../pwned.png'],
      [source, stamp, '/etc/passwd'],
      [source, stamp, '_assets/sub/x.png'],
      ['relative/cover.png', stamp, '_assets/cover.1111111111.png'],
      [source, '', '_assets/cover.2222222222.png'],
      'junk',
      null,
    ];
    for (const files of hostile.map((h) => [h, ...good.slice(1)])) {
      writeFileSync(cacheFile(), JSON.stringify({ version: 1, files }));
      const got = await fresh({ cacheFile: cacheFile() });
      expect(got.get(source)).toEqual(hashed.get(source));
    }
    for (const text of ['{', '[]', JSON.stringify({ version: 2, files: good.map((r) => [r[0], r[1], '_assets/x.png']) })]) {
      writeFileSync(cacheFile(), text);
      expect(await fresh({ cacheFile: cacheFile() })).toEqual(hashed);
    }
  });
});
