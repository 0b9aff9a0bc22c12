// Pruning the highlight cache on disk (render/highlight-cache.ts), on real
// files in a temporary folder: over the bound the least recently used go,
// under it nothing does, a hit counts as a use, links are never followed out
// of the folder, and a reader racing the pruner gets the entry whole or a miss.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import type { Element } from 'hast';
import * as hc from '../../src/render/highlight-cache.ts';

const figure = (i: number): Element => ({
  type: 'element',
  tagName: 'figure',
  properties: { className: ['lk-code'] },
  children: [{ type: 'text', value: `block ${i} `.padEnd(6000, 'x') }],
});
const key = (i: number) => hc.highlightKey('test-version', `code ${i}`, 'sh', null);
const file = (dir: string, k: string) => path.join(dir, k.slice(0, 2), `${k}.json`);
const onDisk = (f: string) => {
  const st = statSync(f);
  return Math.max(st.size, st.blocks * 512);
};

/** `n` entries written by writeHighlight; entry i was last used n - i hours ago (entry 0 is the oldest). */
async function fill(n: number): Promise<{ dir: string; keys: string[]; bytes: number[] }> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'labkit-prune-')), 'highlight');
  const keys = Array.from({ length: n }, (_, i) => key(i));
  keys.forEach((k, i) => hc.writeHighlight(k, figure(i), dir));
  await hc.flushHighlights();
  const now = Date.now() / 1000;
  keys.forEach((k, i) => utimesSync(file(dir, k), now - (n - i) * 3600, now - (n - i) * 3600));
  return { dir, keys, bytes: keys.map((k) => onDisk(file(dir, k))) };
}
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

afterEach(() => {
  delete process.env['LABKIT_HIGHLIGHT_CACHE_MAX_MB'];
  vi.useRealTimers();
});

it('over the bound: the least recently used go first, to under 80% of it; the recent stay', async () => {
  const { dir, keys, bytes } = await fill(10);
  const max = sum(bytes.slice(0, 6));
  const r = await hc.pruneHighlights(dir, max);
  expect(r).toMatchObject({ entries: 10, bytes: sum(bytes) });
  const kept = keys.filter((k) => existsSync(file(dir, k)));
  // The oldest are gone, the newest kept, and what is left fits 80% of the bound.
  expect(kept).toEqual(keys.slice(10 - kept.length));
  expect(kept.length).toBeGreaterThan(0);
  expect(sum(bytes.slice(10 - kept.length))).toBeLessThanOrEqual(max * 0.8);
  expect(sum(bytes.slice(10 - kept.length - 1))).toBeGreaterThan(max * 0.8);
  expect(r.removed).toBe(10 - kept.length);
  expect(r.removedBytes).toBe(sum(bytes.slice(0, r.removed)));
  // What is kept still reads back whole.
  for (const k of kept) expect((await hc.readHighlight(k, dir))?.tagName).toBe('figure');
});

it('under the bound nothing is removed', async () => {
  const { dir, keys, bytes } = await fill(5);
  const r = await hc.pruneHighlights(dir, sum(bytes));
  expect(r).toEqual({ entries: 5, bytes: sum(bytes), removed: 0, removedBytes: 0 });
  expect(keys.every((k) => existsSync(file(dir, k)))).toBe(true);
});

it('a hit counts as a use: the oldest entry, once read, outlives younger unread ones', async () => {
  const { dir, keys, bytes } = await fill(6);
  const before = statSync(file(dir, keys[0]!)).mtimeMs;
  expect(await hc.readHighlight(keys[0]!, dir)).toEqual(figure(0));
  await hc.flushHighlights(); // the touch is in the background
  expect(statSync(file(dir, keys[0]!)).mtimeMs).toBeGreaterThan(before);
  await hc.pruneHighlights(dir, sum(bytes.slice(0, 3)));
  expect(existsSync(file(dir, keys[0]!))).toBe(true);
  expect(existsSync(file(dir, keys[1]!))).toBe(false);
  expect(existsSync(file(dir, keys[5]!))).toBe(true);
});

it('never follows a link out of the folder, whatever its name', async () => {
  const { dir, keys } = await fill(3);
  const outside = mkdtempSync(path.join(os.tmpdir(), 'labkit-prune-outside-'));
  // Old files named like entries outside the folder...
  const victim = key(100);
  const old = Date.now() / 1000 - 100 * 86400;
  mkdirSync(path.join(outside, 'shard'));
  const victimFile = path.join(outside, 'shard', `${victim}.json`);
  writeFileSync(victimFile, JSON.stringify({ key: victim, figure: figure(100) }));
  utimesSync(victimFile, old, old);
  const lone = path.join(outside, 'lone.json');
  writeFileSync(lone, 'x'.repeat(9000));
  utimesSync(lone, old, old);
  // ...reached through a shard that is a link, and through an entry that is a link.
  const free = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0')).filter((s) => s !== key(101).slice(0, 2) && !existsSync(path.join(dir, s)));
  const linkedShard = path.join(dir, free[0]!);
  symlinkSync(path.join(outside, 'shard'), linkedShard);
  const linkName = key(101);
  mkdirSync(path.dirname(file(dir, linkName)), { recursive: true });
  symlinkSync(lone, file(dir, linkName));
  // A bound of 0: every real entry goes, the links and what they point to stay.
  const r = await hc.pruneHighlights(dir, 0);
  expect(r.entries).toBe(3);
  expect(keys.some((k) => existsSync(file(dir, k)))).toBe(false);
  expect(readFileSync(victimFile, 'utf8')).toContain(victim);
  expect(readFileSync(lone, 'utf8')).toHaveLength(9000);
  expect(lstatSync(linkedShard).isSymbolicLink()).toBe(true);
  expect(lstatSync(file(dir, linkName)).isSymbolicLink()).toBe(true);

  // The cache folder itself a link: not pruned at all.
  const linkedDir = path.join(path.dirname(dir), 'linked');
  symlinkSync(path.join(outside), linkedDir);
  mkdirSync(path.join(outside, victim.slice(0, 2)), { recursive: true });
  const inLinked = path.join(outside, victim.slice(0, 2), `${victim}.json`);
  writeFileSync(inLinked, '{}');
  expect(await hc.pruneHighlights(linkedDir, 0)).toEqual({ entries: 0, bytes: 0, removed: 0, removedBytes: 0 });
  expect(existsSync(inLinked)).toBe(true);

  // A link planted as the prune stamp: no prune, and its target is not written.
  symlinkSync(lone, path.join(dir, hc.PRUNE_STAMP));
  hc.writeHighlight(key(7), figure(7), dir);
  await hc.flushHighlights();
  expect(await hc.pruneOnce(dir, 0)).toBeUndefined();
  expect(existsSync(file(dir, key(7)))).toBe(true);
  expect(readFileSync(lone, 'utf8')).toHaveLength(9000);
});

it('a reader racing the pruner gets the whole entry or a miss, and a miss once it is pruned', async () => {
  const { dir, keys } = await fill(40);
  const reads = keys.flatMap((k) => [hc.readHighlight(k, dir), hc.readHighlight(k, dir)]);
  const prune = hc.pruneHighlights(dir, 0);
  const more = keys.map((k) => hc.readHighlight(k, dir));
  const results = await Promise.all([...reads, ...more]);
  expect((await prune).removed).toBeGreaterThan(0);
  await hc.flushHighlights();
  results.forEach((got, j) => {
    const i = j < 80 ? Math.floor(j / 2) : j - 80;
    if (got !== undefined) expect(got).toEqual(figure(i));
  });
  // A hit in the race may have touched its entry after the scan: the pruner
  // leaves it (it was just used); a second pass removes it, and then it is a miss.
  await hc.pruneHighlights(dir, 0);
  for (const k of keys) expect(await hc.readHighlight(k, dir)).toBeUndefined();
  expect(readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.json'))).toEqual([]);
});

it('the bound comes from LABKIT_HIGHLIGHT_CACHE_MAX_MB, else 256 MB', () => {
  expect(hc.highlightCacheMaxBytes()).toBe(256 * 1024 * 1024);
  process.env['LABKIT_HIGHLIGHT_CACHE_MAX_MB'] = '1.5';
  expect(hc.highlightCacheMaxBytes()).toBe(1.5 * 1024 * 1024);
  process.env['LABKIT_HIGHLIGHT_CACHE_MAX_MB'] = 'lots';
  expect(hc.highlightCacheMaxBytes()).toBe(256 * 1024 * 1024);
});

it('a writing process prunes once, in the background, and other processes skip theirs for a while', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  const { dir, keys, bytes } = await fill(6);
  process.env['LABKIT_HIGHLIGHT_CACHE_MAX_MB'] = String(sum(bytes.slice(0, 3)) / 1024 / 1024);
  const fresh = path.join(path.dirname(dir), 'other');
  // The first write to a folder schedules its prune; the write itself does not wait for it.
  hc.writeHighlight(key(50), figure(50), dir);
  await hc.flushHighlights();
  expect(existsSync(file(dir, keys[0]!))).toBe(true);
  vi.advanceTimersByTime(3000);
  const r = await hc.lastPrune;
  expect(r?.removed).toBeGreaterThan(0);
  expect(existsSync(file(dir, keys[0]!))).toBe(false);
  expect(existsSync(file(dir, key(50)))).toBe(true);
  expect(lstatSync(path.join(dir, hc.PRUNE_STAMP)).isFile()).toBe(true);
  // The stamp is fresh: another process's prune is skipped.
  expect(await hc.pruneOnce(dir, 0)).toBeUndefined();
  expect(existsSync(file(dir, key(50)))).toBe(true);
  // Once per process and folder: a second write schedules nothing more.
  hc.writeHighlight(key(51), figure(51), dir);
  await hc.flushHighlights();
  expect(vi.getTimerCount()).toBe(0);
  // Another folder gets its own.
  hc.writeHighlight(key(52), figure(52), fresh);
  await hc.flushHighlights();
  expect(vi.getTimerCount()).toBe(1);
});
