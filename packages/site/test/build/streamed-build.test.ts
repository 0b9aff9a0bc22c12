import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadContent } from '@labkit/sdk';
import type { RenderOptions } from '@labkit/sdk';
import type { Root } from 'mdast';
import { build, buildSitePages, collectAssets, loadSiteConfig, RenderCache, siteContentFromGraph, type Page } from '../../src/index.ts';
import { fixtureSite } from '../helpers.ts';

/**
 * A one-shot full build streams each page to the spool as soon as it is
 * final (no page model kept); a long-lived build (`keepGraph`) collects them
 * first. Both must write the same site, byte for byte, file for file.
 */
let tmp: string;
let content: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-streamed-'));
  content = path.join(tmp, 'content');
  await cp(fixtureSite, content, { recursive: true });
  // A skill path whose unit shows the card of a tutorial with a quiz: the
  // card counts the quiz only once the tutorial is rendered, which happens
  // after the path (paths sort before tutorials).
  // A page whose JSON holds U+2028 and U+2029 raw (JSON.stringify keeps
  // them) and multi-byte text: the Astro child reads pages back from the
  // spool by byte offset, one line each.
  const sep = path.join(content, 'tutorials/separators');
  await mkdir(sep, { recursive: true });
  await writeFile(path.join(sep, 'index.md'), '---\nkind: tutorial\ntitle: Line separators\ndescription: Grüße, 日本語 🚀.\ncategories:\n  - linux\ncreatedAt: 2026-11-20\n---\n\nOne\u2028two\u2029three: Grüße 日本語 🚀.\n');
  const sp = path.join(content, 'skill-paths/search-path');
  await mkdir(sp, { recursive: true });
  await writeFile(path.join(sp, 'index.md'), '---\nkind: skill-path\ntitle: Search path\ncreatedAt: 2026-11-20\ndescription: One unit.\ncategories:\n  - linux\n---\n\nWork through the unit.\n');
  await writeFile(
    path.join(sp, 'unit-10.md'),
    '---\nkind: unit\ntitle: Searching\nname: searching\ntutorials:\n  searchable-tutorial: {}\n---\n\n::card\n---\n:content: tutorials.searchable-tutorial\n---\n::\n\nStart here.\n',
  );
});

async function files(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describe('streamed full build', () => {
  it('writes the same site as a build that collects its pages, in process and in the render child', async () => {
    const collected = await build({ dir: content, outDir: path.join(tmp, 'collected'), force: true, keepGraph: true });
    const streamed = await build({ dir: content, outDir: path.join(tmp, 'streamed'), force: true });
    const isolated = await build({ dir: content, outDir: path.join(tmp, 'isolated'), force: true, isolate: true });
    for (const r of [collected, streamed, isolated]) expect(r).toMatchObject({ ok: true, mode: 'full', pages: collected.pages, rendered: collected.rendered });
    expect(collected.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    const list = await files(path.join(tmp, 'collected'));
    expect(list).toContain('skill-paths/search-path/index.html');
    expect(await readFile(path.join(tmp, 'collected/tutorials/separators/index.html'), 'utf8')).toContain('One\u2028two\u2029three');
    expect(list.some((f) => f.startsWith('pagefind/'))).toBe(true);
    for (const other of ['streamed', 'isolated']) {
      expect(await files(path.join(tmp, other))).toEqual(list);
      for (const f of list) expect(await readFile(path.join(tmp, other, f)), `${other}/${f}`).toEqual(await readFile(path.join(tmp, 'collected', f)));
    }
    // The path's card counts the tutorial's quiz, found after the path was built.
    expect(await readFile(path.join(tmp, 'streamed/skill-paths/search-path/index.html'), 'utf8')).toContain('quiz:pagefind-runs');
  }, 240_000);
});

/** A render cache that holds back one file's render, so the order in which documents finish is fixed. */
class SlowFor extends RenderCache {
  readonly slow: string;
  constructor(slow: string) {
    super();
    this.slow = slow;
  }
  override async render(key: { file: string; digest: string }, body: () => Root, options: RenderOptions, remote?: Parameters<RenderCache['render']>[3]) {
    if (key.file.includes(this.slow)) await new Promise((resolve) => setTimeout(resolve, 300));
    return super.render(key, body, options, remote);
  }
}

describe('buildSitePages with a sink', () => {
  it('hands over each page once it is final: a path card counts a quiz rendered after the path', async () => {
    const content = siteContentFromGraph(await loadContent(path.join(tmp, 'content')));
    const config = await loadSiteConfig(path.join(tmp, 'content'));
    const assets = await collectAssets(content.items, content.root);
    const collected = await buildSitePages(content, assets, config, new SlowFor('searchable-tutorial'));
    const sunk: string[] = [];
    const streamed = await buildSitePages(content, assets, config, new SlowFor('searchable-tutorial'), { sink: (p: Page) => void sunk.push(JSON.stringify(p)) });
    expect(streamed.pages).toEqual([]);
    expect(streamed.assets).toEqual(collected.assets);
    // Every page, as it was at the time it was sunk, equals the collected one.
    expect([...sunk].sort()).toEqual(collected.pages.map((p) => JSON.stringify(p)).sort());
    const path_ = JSON.parse(sunk.find((p) => p.includes('"type":"path"'))!) as Page;
    expect(JSON.stringify(path_)).toContain('quiz:pagefind-runs');
  });
});
