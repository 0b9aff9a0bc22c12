import { mkdtemp, mkdir, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { build, type BuildResult } from '../src/index.ts';
import { launchChromium, serveStatic } from './helpers.ts';
import { snapshotTuning } from '../../sdk/src/graph/snapshot.ts';

/**
 * Search on a site big enough for several Pagefind shards (60 pages, 10
 * per shard): the search page merges every shard, and a one-page edit
 * re-indexes only that page's shard.
 */
// Enough text that a shard's record list keeps the body by digest (read back from the render cache), not as text.
const FILLER = 'Containers share the host kernel, so a process in one is an ordinary process with its own namespaces and cgroups. '.repeat(6);
const letters = (n: number) => [...String(n)].map((d) => 'abcdefghij'[Number(d)]).join('');
// Ends in 'x' so no page's word is a prefix of another's (Pagefind matches prefixes).
const wordOf = (n: number) => `quibblewort${letters(n)}x`;
const page = (n: number, word: string) => `---
kind: tutorial
title: Generated Tutorial ${n}
description: A generated tutorial for the sharded search test.
categories:
  - linux
createdAt: 2026-01-11
---

## Body

This page is number ${n} and holds the rare word ${word} in its body.

${FILLER}
`;

let tmp: string;
let site: string;
let outDir: string;
let browser: Browser;
let server: { url: string; close: () => Promise<void> };
const opts = () => ({ dir: site, outDir, searchShardSize: 10 });

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-shards-'));
  site = path.join(tmp, 'site');
  outDir = path.join(tmp, 'out');
  for (let n = 0; n < 60; n++) {
    await mkdir(path.join(site, 'tutorials', `gen-${n}`), { recursive: true });
    await writeFile(path.join(site, 'tutorials', `gen-${n}`, 'index.md'), page(n, wordOf(n)));
  }
  server = await serveStatic(outDir);
  browser = await launchChromium();
  // The pages were written just now: the graph snapshot trusts their stamps, so a rebuild knows its one edited file early.
  snapshotTuning.racyMs = 0;
  await new Promise((r) => setTimeout(r, 5));
}, 60_000);

const racy = snapshotTuning.racyMs;
afterAll(async () => {
  snapshotTuning.racyMs = racy;
  await browser?.close();
  await server?.close();
});

/** The page URLs a shard's index holds (from its gzipped fragments). */
async function urlsIn(shardDir: string): Promise<string[]> {
  const dir = path.join(shardDir, 'fragment');
  const out: string[] = [];
  for (const f of await readdir(dir)) {
    const text = gunzipSync(await readFile(path.join(dir, f))).toString('utf8');
    const json = JSON.parse(text.slice(text.indexOf('{')));
    out.push(json.url);
  }
  return out;
}

/** Inode of every file of each shard, by shard folder. */
async function inodes(root: string, shards: string[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for (const s of shards) {
    const m = new Map<string, number>();
    for (const f of await readdir(path.join(root, s), { recursive: true })) {
      const st = await stat(path.join(root, s, f));
      if (st.isFile()) m.set(f, st.ino);
    }
    out.set(s, m);
  }
  return out;
}

async function search(q: string): Promise<{ count: string; hrefs: string[] }> {
  const context = await browser.newContext();
  const p = await context.newPage();
  await p.goto(`${server.url}search/?q=${encodeURIComponent(q)}`, { waitUntil: 'load' });
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  const count = await p.locator('#lk-search-results > .lk-muted', { hasText: /\d+ results?$/ }).innerText({ timeout: 20_000 }).catch((e: Error) => `${e.message} ${errors.join('; ')}`);
  // Results from merged shards carry the shard's origin: compare paths.
  const hrefs = await p.locator('.lk-search-list a').evaluateAll((as) => as.map((a) => new URL((a as HTMLAnchorElement).href).pathname));
  await context.close();
  return { count, hrefs };
}

describe('sharded search', () => {
  it('merges every shard in the browser and re-indexes only the edited page\'s shard', async () => {
    const first: BuildResult = await build(opts());
    expect(first.ok).toBe(true);
    expect(first.search?.shards).toBeGreaterThanOrEqual(2);
    expect(first.search?.rebuilt.length).toBe(first.search?.shards);
    const pf = path.join(outDir, 'pagefind');
    const { shards } = JSON.parse(await readFile(path.join(pf, 'shards.json'), 'utf8')) as { shards: string[] };
    expect(shards.length).toBe(first.search?.shards);

    // A page that lives in a shard other than the first one the client loads.
    const last = shards.length - 1;
    const url = (await urlsIn(path.join(pf, shards[last]!))).find((u) => /\/tutorials\/gen-\d+\/$/.test(u));
    expect(url).toBeDefined();
    const n = Number(/gen-(\d+)/.exec(url!)![1]);
    expect(await urlsIn(path.join(pf, shards[0]!))).not.toContain(url);
    const found = await search(wordOf(n));
    expect(found.count).toBe('1 result');
    expect(found.hrefs[0]).toBe(url);

    // Edit that one page: only its shard is indexed again.
    const before = await inodes(pf, shards);
    const fresh = 'flibbertigibbetzed';
    await writeFile(path.join(site, 'tutorials', `gen-${n}`, 'index.md'), page(n, fresh));
    const second = await build(opts());
    expect(second.ok).toBe(true);
    expect(second.mode).toBe('incremental');
    // The shard was fed while the content loaded: every page but the edited one went in as it was.
    const inShard = (await urlsIn(path.join(pf, shards[last]!))).length;
    expect(second.search).toEqual({ shards: shards.length, rebuilt: [last], prefed: inShard - 1 });
    const after = await inodes(pf, shards);
    for (const [i, s] of shards.entries()) {
      const same = [...after.get(s)!].filter(([f, ino]) => before.get(s)!.get(f) === ino).length;
      // Untouched shards are the very same files (hard links to the cache); the edited one is new.
      if (i === last) expect(after.get(s)!.get('pagefind-entry.json')).not.toBe(before.get(s)!.get('pagefind-entry.json'));
      else expect(same).toBe(before.get(s)!.size);
    }
    const now = await search(fresh);
    expect(now.count).toBe('1 result');
    expect(now.hrefs[0]).toBe(url);
    await expect(search(wordOf(n))).resolves.toMatchObject({ count: '0 results' });
    // Pages in other shards are still found.
    const other = (await urlsIn(path.join(pf, shards[0]!))).find((u) => /gen-\d+/.test(u))!;
    const m = Number(/gen-(\d+)/.exec(other)![1]);
    await expect(search(wordOf(m))).resolves.toMatchObject({ count: '1 result', hrefs: [other] });
    // The fed pages of the edited shard are found by their own words.
    for (const u of await urlsIn(path.join(pf, shards[last]!))) {
      if (u === url) continue;
      const k = Number(/gen-(\d+)/.exec(u)![1]);
      await expect(search(wordOf(k)), u).resolves.toMatchObject({ count: '1 result', hrefs: [u] });
    }
  }, 240_000);

  it('a forged or broken record list cannot put text into the search, and a wrong guess is dropped', async () => {
    const cache = path.join(path.dirname(outDir), '.labkit-cache', path.basename(outDir), 'search');
    const pf = path.join(outDir, 'pagefind');
    const { shards } = JSON.parse(await readFile(path.join(pf, 'shards.json'), 'utf8')) as { shards: string[] };
    const state = JSON.parse(await readFile(path.join(cache, 'state.json'), 'utf8')) as { keys: string[] };
    const n = (u: string) => Number(/gen-(\d+)/.exec(u)![1]);

    // 1. The record list of shard 0 gives another page of that shard a forged title: the feed
    //    takes it as written, its digest differs from the real record's, so that page is added
    //    again with its real text, and the forged word is nowhere.
    const pages = (await urlsIn(path.join(pf, shards[0]!))).filter((u) => /gen-\d+/.test(u)).sort();
    const [edited, forged] = [pages[0]!, pages[1]!];
    const list = path.join(cache, `${state.keys[0]}.records.json`);
    const records = JSON.parse(await readFile(list, 'utf8')) as { records: Array<{ url: string; title: string; parts: unknown[] }> };
    const victim = records.records.find((r) => r.url === forged)!;
    victim.parts[0] = 'snollygosterzzx';
    // And a third page's body by a digest the render cache has no text for: that page goes in as a stand-in.
    const unknown = records.records.find((r) => r.url === pages[2])!;
    unknown.parts[unknown.parts.length - 1] = { d: 'f'.repeat(24) };
    await writeFile(list, JSON.stringify(records));
    await writeFile(path.join(site, 'tutorials', `gen-${n(edited)}`, 'index.md'), page(n(edited), 'gallimaufryzx'));
    const forgedBuild = await build(opts());
    expect(forgedBuild.search).toMatchObject({ rebuilt: [0], prefed: pages.length - 3 });
    await expect(search('snollygosterzzx')).resolves.toMatchObject({ count: '0 results' });
    await expect(search('gallimaufryzx')).resolves.toMatchObject({ count: '1 result', hrefs: [edited] });
    await expect(search(wordOf(n(forged)))).resolves.toMatchObject({ count: '1 result', hrefs: [forged] });
    await expect(search(wordOf(n(pages[2]!)))).resolves.toMatchObject({ count: '1 result', hrefs: [pages[2]] });

    // 2. Lists that do not parse are no lists: nothing is fed, the shard is indexed as before.
    const keys = (JSON.parse(await readFile(path.join(cache, 'state.json'), 'utf8')) as { keys: string[] }).keys;
    for (const k of keys) await writeFile(path.join(cache, `${k}.records.json`), '{"records": [{"url": 1}');
    await writeFile(path.join(site, 'tutorials', `gen-${n(edited)}`, 'index.md'), page(n(edited), 'brouhahazx'));
    const broken = await build(opts());
    expect(broken.ok).toBe(true);
    expect(broken.search?.prefed).toBeUndefined();
    await expect(search('brouhahazx')).resolves.toMatchObject({ count: '1 result', hrefs: [edited] });

    // 3. A page that moves (its folder renamed, so its URL and maybe its shard change): the
    //    shard fed is not the shard's new set of pages, so the feed is dropped.
    await writeFile(path.join(site, 'tutorials', `gen-${n(edited)}`, 'index.md'), page(n(edited), 'kerfufflezx'));
    await build(opts()); // every shard's list is written again
    await rename(path.join(site, 'tutorials', `gen-${n(edited)}`), path.join(site, 'tutorials', 'moved-page'));
    const moved = await build(opts());
    expect(moved.ok).toBe(true);
    expect(moved.search?.prefed).toBeUndefined();
    await expect(search('kerfufflezx')).resolves.toMatchObject({ count: '1 result', hrefs: [edited.replace(/gen-\d+/, 'moved-page')] });
    // Every other page is still found once.
    for (const u of pages.slice(1)) await expect(search(wordOf(n(u))), u).resolves.toMatchObject({ count: '1 result', hrefs: [u] });
  }, 240_000);
});
