import { cp, mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/index.ts';
import { fixtureSite, repoRoot } from '../helpers.ts';

/** `build()` on real folders: validation gate, atomic output, incremental rebuilds, config. */
let tmp: string;
let content: string;
let out: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-build-'));
  content = path.join(tmp, 'content');
  out = path.join(tmp, 'dist');
  await cp(fixtureSite, content, { recursive: true });
});

const challenge = () => path.join(content, 'challenges/xss-and-tasks/index.md');

describe('build()', () => {
  it('builds, then rebuilds incrementally: nothing changed writes nothing, one edit writes that page', async () => {
    const first = await build({ dir: content, outDir: out });
    expect(first).toMatchObject({ ok: true, mode: 'full' });
    expect(first.pages).toBeGreaterThan(10);

    const again = await build({ dir: content, outDir: out });
    expect(again).toMatchObject({ ok: true, mode: 'incremental', pagesWritten: 0, rendered: 0 });

    const source = await readFile(challenge(), 'utf8');
    await writeFile(challenge(), source.replace('Start with the first task.', 'Start with the very first task.'));
    const page = path.join(out, 'challenges/xss-and-tasks/index.html');
    const before = { dir: (await stat(out)).ino, page: (await stat(page)).ino, other: (await stat(path.join(out, 'index.html'))).ino };
    const edited = await build({ dir: content, outDir: out });
    expect(edited).toMatchObject({ ok: true, mode: 'incremental', rendered: 1 });
    expect(edited.pagesWritten).toBe(1);
    const patched = await readFile(page, 'utf8');
    expect(patched).toContain('Start with the very first task.');
    // Only the changed file moved (renamed over the old one), not the whole tree;
    // no staging files are left behind.
    expect((await stat(out)).ino).toBe(before.dir);
    expect((await stat(path.join(out, 'index.html'))).ino).toBe(before.other);
    expect((await stat(page)).ino).not.toBe(before.page);
    expect((await readdir(out, { recursive: true })).filter((f) => f.includes('.lk-'))).toEqual([]);

    // The patched page is exactly what a full Astro build writes.
    const full = await build({ dir: content, outDir: path.join(tmp, 'full'), force: true });
    expect(full.mode).toBe('full');
    expect(await readFile(path.join(tmp, 'full/challenges/xss-and-tasks/index.html'), 'utf8')).toBe(patched);
    // Rendering in a child process (what big one-shot builds do) writes the same site.
    const isolated = await build({ dir: content, outDir: path.join(tmp, 'isolated'), force: true, isolate: true });
    expect(isolated).toMatchObject({ ok: true, mode: 'full', pages: full.pages, rendered: full.rendered });
    for (const f of ['index.html', 'challenges/xss-and-tasks/index.html', 'tutorials/searchable-tutorial/index.html']) {
      expect(await readFile(path.join(tmp, 'isolated', f), 'utf8')).toBe(await readFile(path.join(tmp, 'full', f), 'utf8'));
    }
    // ...and the search index knows the new text.
    const fragments = await readdir(path.join(out, 'pagefind/fragment'));
    expect(fragments.length).toBeGreaterThan(0);
  }, 240_000);

  it('a title change re-renders the pages whose cards show it, and only those', async () => {
    const file = path.join(content, 'challenges/xss-and-tasks/index.md');
    const source = await readFile(file, 'utf8');
    await writeFile(file, source.replace('title: Tasks, Hints, Tabs and Hostile Input', 'title: Tasks, Hints, Tabs and Hostile Input (v2)'));
    const r = await build({ dir: content, outDir: out });
    expect(r.mode).toBe('incremental');
    // The challenge itself and the tutorial embedding its card.
    expect(r.rendered).toBe(2);
    expect(await readFile(path.join(out, 'tutorials/searchable-tutorial/index.html'), 'utf8')).toContain('Hostile Input (v2)');
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toContain('Hostile Input (v2)');
  }, 240_000);

  it('refuses to build on content errors and leaves the previous output intact', async () => {
    const before = await readFile(path.join(out, 'index.html'), 'utf8');
    const source = await readFile(challenge(), 'utf8');
    await writeFile(challenge(), source.replace('kind: challenge', 'kind: challenge\ntitle: [unclosed'));
    const r = await build({ dir: content, outDir: out });
    await writeFile(challenge(), source);
    expect(r.ok).toBe(false);
    expect(r.mode).toBe('none');
    const err = r.diagnostics.find((d) => d.severity === 'error');
    expect(err?.file).toBe('challenges/xss-and-tasks/index.md');
    expect(err?.span.start.line).toBeGreaterThan(1);
    expect(await readFile(path.join(out, 'index.html'), 'utf8')).toBe(before);
    expect((await readdir(tmp)).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 120_000);

  it('takes title and base path from lab.config.ts', async () => {
    const dir = path.join(tmp, 'configured');
    await cp(fixtureSite, dir, { recursive: true });
    await writeFile(path.join(dir, 'lab.config.ts'), "export default { site: { title: 'Acme Labs', base: '/labs/', url: 'https://labs.acme.dev' } };\n");
    const r = await build({ dir, outDir: path.join(tmp, 'configured-dist') });
    expect(r.ok).toBe(true);
    const html = await readFile(path.join(tmp, 'configured-dist/challenges/xss-and-tasks/index.html'), 'utf8');
    expect(html).toContain('<title>Tasks, Hints, Tabs and Hostile Input · Acme Labs</title>');
    expect(html).toMatch(/href="\/labs\/_lk\/site\.[0-9a-f]{10}\.css"/);
    expect(html).toContain('<link rel="canonical" href="https://labs.acme.dev/labs/challenges/xss-and-tasks/">');
    expect(html).toMatch(/src="\/labs\/_assets\/box\.[0-9a-f]{10}\.png"[^>]*width="\d+" height="\d+"/);
  }, 240_000);

  it('lab build (the CLI) prints a JSON summary and fails with exit 1 on errors', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [path.join(repoRoot, 'packages/cli/bin/lab.js'), 'build', content, '--out', out, '--format', 'json'], { env: { ...process.env, CI: '1' } });
    const summary = JSON.parse(stdout) as { ok: boolean; pages: number; mode: string };
    expect(summary).toMatchObject({ ok: true, mode: 'incremental' });
    const bad = path.join(tmp, 'bad');
    await cp(fixtureSite, bad, { recursive: true });
    await writeFile(path.join(bad, 'tutorials/searchable-tutorial/index.md'), '---\nkind: tutorial\ntitle: x\n---\n');
    const failed = await run(process.execPath, [path.join(repoRoot, 'packages/cli/bin/lab.js'), 'build', bad, '--out', path.join(tmp, 'bad-dist')], { env: { ...process.env, CI: '1', NO_COLOR: '1' } }).catch((e: { code: number; stdout: string }) => e);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stdout: string }).stdout).toContain('tutorials/searchable-tutorial/index.md:3');
    expect((failed as { stdout: string }).stdout).toContain('nothing was built');
    expect(existsSync(path.join(tmp, 'bad-dist'))).toBe(false);
  }, 240_000);
});
