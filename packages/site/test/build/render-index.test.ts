// The render index (render-cache.ts): a fresh `lab build` over a previous
// output takes unchanged documents' digests, metadata and search-text
// digests from one index file instead of reading an entry per document.
// These tests show the index is what the rebuild used, that a rebuild
// through it writes what a --force build writes, that an entry changed
// behind the index's back is an error (never a page or search text
// written from it) after which the next build recovers, that any other
// writer drops the index, and that content cannot forge a token. The
// rebuild's early start of Pagefind's service leaves no backend running.
import { cp, mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/index.ts';
import { fixtureSite } from '../helpers.ts';
import { snapshotTuning } from '../../../sdk/src/graph/snapshot.ts';
import { corpusPath, describeCorpus } from '../../../../test-support/corpus.ts';

async function site(): Promise<{ content: string; out: string; render: string }> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-render-index-'));
  const content = path.join(tmp, 'content');
  await cp(fixtureSite, content, { recursive: true });
  const out = path.join(tmp, 'out');
  // build()'s default cache folder for `out`.
  return { content, out, render: path.join(tmp, '.labkit-cache', 'out', 'render') };
}

async function entries(render: string): Promise<string[]> {
  return (await readdir(render)).filter((f) => f.endsWith('.json')).map((f) => path.join(render, f));
}

async function edit(file: string, from: string, to: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  expect(text).toContain(from);
  await writeFile(file, text.replace(from, to));
}

async function htmlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile() && e.name.endsWith('.html')).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

/** This process's Pagefind backends still running. */
function pagefindChildren(): string[] {
  const r = spawnSync('ps', ['--ppid', String(process.pid), '-o', 'stat=,comm='], { encoding: 'utf8' });
  return r.stdout.split('\n').filter((l) => l.includes('pagefind') && !l.trim().startsWith('Z'));
}

const challenge = (content: string) => path.join(content, 'challenges/xss-and-tasks/index.md');

describe('render index', () => {
  it('a fresh rebuild takes unchanged documents from the index, not their entries, and writes what --force writes', async () => {
    const { content, out, render } = await site();
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true, mode: 'full' });
    expect(existsSync(path.join(render, 'index.jsonl'))).toBe(true);
    // The tutorial's entry changed behind the cache's back (its HTML; its text left as it
    // was): a rebuild that read it would see a new digest and write the page again.
    let tampered = 0;
    for (const f of await entries(render)) {
      const e = JSON.parse(await readFile(f, 'utf8')) as { result: { html: string } };
      if (!e.result.html.includes('quokkalicious')) continue;
      e.result.html += '<!-- read-from-entry -->';
      await writeFile(f, JSON.stringify(e));
      tampered++;
    }
    expect(tampered).toBe(1);
    await edit(challenge(content), 'Start with the first task.', 'Start with the zyzzogeton task.');
    const rebuilt = await build({ dir: content, outDir: out });
    expect(rebuilt).toMatchObject({ ok: true, mode: 'incremental', rendered: 1 });
    // The rebuild started Pagefind's service early (warmSearch) and closed it when done.
    await expect.poll(() => pagefindChildren(), { timeout: 5000 }).toEqual([]);
    const tutorial = await readFile(path.join(out, 'tutorials/searchable-tutorial/index.html'), 'utf8');
    expect(tutorial).not.toContain('read-from-entry');
    expect(await readFile(path.join(out, 'challenges/xss-and-tasks/index.html'), 'utf8')).toContain('zyzzogeton');

    // With honest entries, a rebuild through the index equals a --force build, page for page.
    const honest = await site();
    await build({ dir: honest.content, outDir: honest.out });
    await edit(challenge(honest.content), 'Start with the first task.', 'Start with the zyzzogeton task.');
    expect(await build({ dir: honest.content, outDir: honest.out })).toMatchObject({ ok: true, mode: 'incremental' });
    const full = path.join(path.dirname(honest.out), 'full');
    await build({ dir: honest.content, outDir: full, force: true });
    const pages = await htmlFiles(full);
    expect(await htmlFiles(honest.out)).toEqual(pages);
    for (const p of pages) expect(await readFile(path.join(honest.out, p), 'utf8'), p).toBe(await readFile(path.join(full, p), 'utf8'));
  }, 240_000);

  it('a fresh rebuild whose set of pages changed (Astro runs) resolves every token: pages and search equal --force', async () => {
    const { content, out } = await site();
    await build({ dir: content, outDir: out });
    // A new tutorial: the page set changed, so the rebuild writes every page through Astro,
    // with the unchanged documents' HTML and search text still tokens until then.
    const fresh = path.join(content, 'tutorials/late-arrival');
    await mkdir(fresh, { recursive: true });
    await writeFile(path.join(fresh, 'index.md'), '---\nkind: tutorial\ntitle: A Late Arrival\ndescription: Added after the first build.\ncreatedAt: 2026-02-01\ncategories:\n  - linux\n---\n\n## Hello\n\nThe word wombatastic is here.\n');
    const rebuilt = await build({ dir: content, outDir: out });
    expect(rebuilt.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(rebuilt).toMatchObject({ ok: true, mode: 'full' });
    const full = path.join(path.dirname(out), 'full');
    await build({ dir: content, outDir: full, force: true });
    const all = async (dir: string) => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
    const list = await all(full);
    expect(await all(out)).toEqual(list);
    for (const f of list) expect(await readFile(path.join(out, f)), f).toEqual(await readFile(path.join(full, f)));
  }, 240_000);

  it('an entry that no longer matches the index is an error, never search text or a page; the next build recovers', async () => {
    const { content, out, render } = await site();
    await build({ dir: content, outDir: out });
    // The tutorial's search text changed behind the index (all pages share one search shard here).
    let tampered = 0;
    for (const f of await entries(render)) {
      const e = JSON.parse(await readFile(f, 'utf8')) as { text?: [string, string] };
      if (!e.text?.[1].includes('quokkalicious')) continue;
      e.text[1] = 'planted text';
      await writeFile(f, JSON.stringify(e));
      tampered++;
    }
    expect(tampered).toBe(1);
    await edit(challenge(content), 'Start with the first task.', 'Start with the zyzzogeton task.');
    await expect(build({ dir: content, outDir: out })).rejects.toMatchObject({ code: 'RenderCacheUnreadable', message: expect.stringContaining('render index') });
    // The failed build dropped the index: the next one reads the entries themselves.
    expect(existsSync(path.join(render, 'index.jsonl'))).toBe(false);
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true });
    expect(await readFile(path.join(out, 'challenges/xss-and-tasks/index.html'), 'utf8')).toContain('zyzzogeton');
  }, 240_000);

  it('a build that keeps its cache in memory (lab build --watch, lab dev) drops the index before changing an entry', async () => {
    const { content, out, render } = await site();
    await build({ dir: content, outDir: out });
    expect(existsSync(path.join(render, 'index.jsonl'))).toBe(true);
    await edit(challenge(content), 'Start with the first task.', 'Start with the zyzzogeton task.');
    expect(await build({ dir: content, outDir: out, keepGraph: true })).toMatchObject({ ok: true, rendered: 1 });
    expect(existsSync(path.join(render, 'index.jsonl'))).toBe(false);
    // The next fresh process reads the entries (the one just rewritten included) and writes a new index.
    await edit(challenge(content), 'zyzzogeton', 'quux');
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true, mode: 'incremental' });
    expect(existsSync(path.join(render, 'index.jsonl'))).toBe(true);
    expect(await readFile(path.join(out, 'challenges/xss-and-tasks/index.html'), 'utf8')).toContain('quux');
  }, 240_000);

  it('an index line no token could carry (a bad id or digest) is skipped: that document is read from its entry', async () => {
    const { content, out, render } = await site();
    await build({ dir: content, outDir: out });
    const file = path.join(render, 'index.jsonl');
    const [header, ...lines] = (await readFile(file, 'utf8')).split('\n');
    await writeFile(file, [header, ...lines.map((l) => (l ? JSON.stringify((JSON.parse(l) as unknown[]).map((v, i) => (i === 3 ? 'not-a-digest' : v))) : l))].join('\n'));
    await edit(challenge(content), 'Start with the first task.', 'Start with the zyzzogeton task.');
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true, mode: 'incremental' });
    const full = path.join(path.dirname(out), 'full');
    await build({ dir: content, outDir: full, force: true });
    const pages = await htmlFiles(full);
    for (const p of pages) expect(await readFile(path.join(out, p), 'utf8'), p).toBe(await readFile(path.join(full, p), 'utf8'));
  }, 240_000);

  it('content shaped like a token is content: it cannot pull another entry into a page', async () => {
    const { content, out, render } = await site();
    await build({ dir: content, outDir: out });
    const [line] = (await readFile(path.join(render, 'index.jsonl'), 'utf8')).split('\n').slice(1);
    const [id, , , digest] = JSON.parse(line!) as [string, unknown, unknown, string];
    // A NUL-framed token with a real entry id and digest, under any nonce the author might guess.
    const forged = `\u0000lk-000000000000:${id}:${digest}\u0000 and lk-000000000000:${id}:${digest}`;
    await edit(challenge(content), 'Start with the first task.', `Start with the first task. ${forged}`);
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true, mode: 'incremental' });
    const full = path.join(path.dirname(out), 'full');
    await build({ dir: content, outDir: full, force: true });
    const page = 'challenges/xss-and-tasks/index.html';
    expect(await readFile(path.join(out, page), 'utf8')).toBe(await readFile(path.join(full, page), 'utf8'));
    expect(await readFile(path.join(out, page), 'utf8')).toContain(`lk-000000000000:${id}:${digest}`);
  }, 240_000);
});

/** Every file under `dir` (pages, search shards, assets), sorted. */
async function allFiles(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

describeCorpus('render index on real content (the iximiuz samples)', () => {
  it('fresh rebuilds after a body edit and a title edit write what --force writes, file for file', async () => {
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-render-index-corpus-'));
    const content = path.join(tmp, 'content');
    await cp(corpusPath('iximiuz-samples'), content, { recursive: true });
    const out = path.join(tmp, 'out');
    const render = path.join(tmp, '.labkit-cache', 'out', 'render');
    // The graph snapshot trusts the copies' stamps at once (else every file counts as changed): a rebuild then knows its edited file early.
    const racy = snapshotTuning.racyMs;
    snapshotTuning.racyMs = 0;
    await new Promise((r) => setTimeout(r, 5));
    try {
    expect(await build({ dir: content, outDir: out })).toMatchObject({ ok: true, mode: 'full' });
    expect(existsSync(path.join(render, 'index.jsonl'))).toBe(true);
    const edits: Array<[string, string, string, string]> = [
      // The tutorial's body (code blocks, many components): one page and its search text.
      ['body', 'sample-tutorial/index.md', '## How to Edit the Tutorial', '## How to Edit the Tutorial (numbatine)'],
      // The challenge's title: its page, and every card and list that names it.
      ['title', 'sample-challenge/index.md', "title: 'Sample Challenge: Start and Inspect a Container With Docker'", "title: 'Sample Challenge: Start and Inspect a Quollish Container'"],
    ];
    for (const [what, file, from, to] of edits) {
      await edit(path.join(content, file), from, to);
      const rebuilt = await build({ dir: content, outDir: out });
      expect(rebuilt, what).toMatchObject({ ok: true, mode: 'incremental' });
      // One document rendered; the other eleven came from the index (a title also rewrites the pages that name it).
      expect(rebuilt, what).toMatchObject({ rendered: 1, reused: 11 });
      expect(rebuilt.pagesWritten, what).toBe(what === 'body' ? 1 : 7);
      // The search shard was fed while the content loaded and the unchanged
      // pages were taken as fed (see prefeedSearch); the files below are
      // still --force's, byte for byte.
      expect(rebuilt.search?.prefed, what).toBeGreaterThan(0);
      // The render index was what the rebuild started from, and it wrote a new one.
      expect(existsSync(path.join(render, 'index.jsonl')), what).toBe(true);
      const full = path.join(tmp, `full-${what}`);
      await build({ dir: content, outDir: full, force: true });
      const list = await allFiles(full);
      expect(await allFiles(out), what).toEqual(list);
      for (const f of list) expect(await readFile(path.join(out, f)), `${what}: ${f}`).toEqual(await readFile(path.join(full, f)));
      const marker = what === 'body' ? 'numbatine' : 'Quollish';
      expect(list.filter((f) => f.endsWith('.html')).length).toBeGreaterThan(3);
      expect(await readFile(path.join(out, file.replace(/index\.md$/, 'index.html').replace(/^sample-tutorial/, 'tutorials/sample-tutorial').replace(/^sample-challenge/, 'challenges/sample-challenge')), 'utf8'), what).toContain(marker);
    }
    } finally {
      snapshotTuning.racyMs = racy;
    }
  }, 300_000);
});
