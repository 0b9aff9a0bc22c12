import { readFileSync, writeFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchBuild, type BuildResult, type BuildWatcher } from '../src/index.ts';
import { dev } from '../src/dev/index.ts';
import { watchContent, type FolderWatcher } from '../src/dev/content-watcher.ts';
import type { ChangeBatch } from '../src/dev/change-batcher.ts';
import { fixtureSite } from './helpers.ts';
import { useTempContent } from './dev/helpers.ts';

/**
 * What `lab dev` and `lab build --watch` do when the watcher cannot be
 * trusted, and with the saves editors really make, on real folders with the
 * real chokidar:
 *
 * - A watcher error is forced for real: a symlink that points at itself
 *   makes chokidar fail with ELOOP when it reaches it. Events may be lost
 *   then, so the next batch is flagged `rescan`: lab dev reloads the folder
 *   and lab build --watch walks it instead of statting only the listed files.
 * - A burst of events (a branch checkout) is a `rescan` batch too: lab build
 *   --watch walks the folder rather than trust the storm's list.
 * - Editors that save through a temp file and a rename (`index.md.tmp`
 *   renamed over the file; vim's `4913` probe, `index.md~` backup made by
 *   renaming the original away, then a new `index.md`) rebuild the real file,
 *   and never a build for the droppings.
 */
const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-watch-fallback-'));
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** Polls `predicate` until it holds (a bound on a wait, not a timed assertion). */
async function until(predicate: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting; ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Makes chokidar fail for real: a symlink to itself under `dir` (ELOOP when chokidar resolves it). */
const loopIn = (dir: string) => symlink('loop', path.join(dir, 'loop'));

describe('watchContent after a watcher error', () => {
  let root: string;
  let watcher: FolderWatcher | undefined;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmp, 'watch-'));
    await writeFile(path.join(root, 'index.md'), '# a\n');
  });
  afterEach(async () => {
    await watcher?.close();
    watcher = undefined;
  });

  it('flags the next batch rescan, and only that one', async () => {
    const batches: ChangeBatch[] = [];
    const errors: Error[] = [];
    watcher = watchContent(root, { onBatch: (b) => batches.push(b), onError: (e) => errors.push(e) });
    await watcher.ready;
    const file = path.join(root, 'index.md');
    const edit = async (text: string) => {
      const seen = batches.length;
      await writeFile(file, text);
      await until(() => batches.slice(seen).some((b) => b.changed.includes(file)), () => JSON.stringify(batches));
      return batches.slice(seen);
    };

    expect((await edit('# before\n')).some((b) => b.rescan)).toBe(false);
    await loopIn(root);
    await until(() => errors.length > 0, () => 'no watcher error');
    expect(errors[0]).toMatchObject({ code: 'ELOOP' });
    const before = batches.length;
    await rm(path.join(root, 'loop'));
    // The first batch after the error is a rescan, whatever it holds (the loop's removal, or the edit).
    await edit('# after the error\n');
    expect(batches[before]?.rescan).toBe(true);
    expect(batches.filter((b) => b.rescan)).toHaveLength(1);
    expect((await edit('# trusted again\n')).some((b) => b.rescan)).toBe(false);
  });
});

describe('lab build --watch', () => {
  type Outcome = { result?: BuildResult; error?: Error; changed: string[] };
  const content = path.join(tmp, 'site');
  const out = path.join(tmp, 'site-out');
  const rel = 'challenges/xss-and-tasks/index.md';
  const file = path.join(content, rel);
  const pageFile = path.join(out, 'challenges/xss-and-tasks/index.html');
  const outcomes: Outcome[] = [];
  let watcher: BuildWatcher | undefined;
  let source: string;
  afterAll(() => watcher?.close());

  /** Runs `act`, then waits for a build whose cause lists the page's file (or for `done`); returns the outcomes since. */
  async function buildsAfter(act: () => Promise<void>, done = (o: Outcome[]) => o.some((x) => x.result && x.changed.includes(rel))): Promise<Outcome[]> {
    const seen = outcomes.length;
    await act();
    await until(() => done(outcomes.slice(seen)), () => JSON.stringify(outcomes.slice(seen).map((o) => ({ changed: o.changed, error: o.error?.message, mode: o.result?.mode, stamped: o.result?.timings['stampedFiles'] }))));
    return outcomes.slice(seen);
  }
  const stamped = (o: Outcome | undefined) => o?.result?.timings['stampedFiles'];
  const withText = (words: string) => source.replace('Start with the first task.', words);

  it('starts, and trusts the watcher once a rebuild has walked the folder', async () => {
    await cp(fixtureSite, content, { recursive: true });
    source = await readFile(file, 'utf8');
    watcher = watchBuild({ dir: content, outDir: out, cacheDir: path.join(tmp, 'site-cache'), onBuild: (o) => void outcomes.push(o) });
    await watcher.ready;
    expect(outcomes[0]?.result).toMatchObject({ ok: true, mode: 'full' });
    // The first rebuild walks (a save before the watcher was ready has no event); the next one does not.
    const first = await buildsAfter(() => writeFile(file, withText('Start with the walked task.')));
    expect(stamped(first.find((o) => o.result))).toBeGreaterThan(1);
    const trusted = await buildsAfter(() => writeFile(file, withText('Start with the trusted task.')));
    expect(trusted.map((o) => o.changed)).toEqual([[rel]]);
    expect(stamped(trusted[0])).toBe(1);
    expect(await readFile(pageFile, 'utf8')).toContain('Start with the trusted task.');
  }, 240_000);

  it('walks the folder on the build after a watcher error, then trusts the watcher again', async () => {
    const failed = await buildsAfter(() => loopIn(path.join(content, 'challenges')), (o) => o.some((x) => x.error));
    expect(failed.find((o) => o.error)?.error).toMatchObject({ code: 'ELOOP' });
    await rm(path.join(content, 'challenges/loop'));
    // Whatever the first build after the error was set off by, it walked the folder.
    const next = await buildsAfter(() => writeFile(file, withText('Start with the task after the error.')));
    const firstBuilt = next.find((o) => o.result);
    expect(firstBuilt?.result?.ok).toBe(true);
    expect(stamped(firstBuilt)).toBeGreaterThan(1);
    expect(await readFile(pageFile, 'utf8')).toContain('Start with the task after the error.');
    const trusted = await buildsAfter(() => writeFile(file, withText('Start with the task trusted again.')));
    expect(trusted.map((o) => [o.changed, stamped(o)])).toEqual([[[rel], 1]]);
    expect(await readFile(pageFile, 'utf8')).toContain('Start with the task trusted again.');
  }, 240_000);

  it('rebuilds the real file when an editor writes a temp file and renames it over', async () => {
    const builds = await buildsAfter(async () => {
      await writeFile(`${file}.tmp`, withText('Start with the renamed-over task.'));
      await rename(`${file}.tmp`, file);
    });
    expect(builds.map((o) => o.changed)).toEqual([[rel]]);
    expect(builds[0]?.result).toMatchObject({ ok: true, mode: 'incremental', rendered: 1, pagesWritten: 1 });
    expect(await readFile(pageFile, 'utf8')).toContain('Start with the renamed-over task.');
  }, 240_000);

  it("rebuilds the real file on vim's save (4913 probe, the original renamed to file~, a new file written, the backup removed)", async () => {
    const dir = path.dirname(file);
    const builds = await buildsAfter(async () => {
      await writeFile(path.join(dir, '4913'), '');
      await rm(path.join(dir, '4913'));
      await rename(file, `${file}~`);
      await writeFile(file, withText('Start with the task vim saved.'));
      await rm(`${file}~`);
    }, (o) => o.some((x) => x.result) && readFileSync(pageFile, 'utf8').includes('Start with the task vim saved.'));
    // Every build was for the real file; none for the probe or the backup.
    expect(builds.flatMap((o) => o.changed)).toEqual(builds.map(() => rel));
    expect(builds.every((o) => o.result?.ok)).toBe(true);
    expect(await readFile(pageFile, 'utf8')).toContain('Start with the task vim saved.');
    await writeFile(file, source);
  }, 240_000);

  it('walks the folder after a burst of events (a branch checkout) instead of trusting its list', async () => {
    const burst = 600; // well past the batcher's 200, even if the burst arrives in two or three batches
    const notes = path.join(content, 'notes');
    // The folder first, so the burst's events come from a folder already watched.
    await buildsAfter(async () => {
      await mkdir(notes);
      await writeFile(path.join(notes, 'first.txt'), '\n');
    }, (o) => o.some((x) => x.result && x.changed.includes('notes/first.txt')));
    // Written in one go, synchronously: the watcher (in this process) sees the storm at once, as from a checkout.
    // The storm reaches the watcher in several batches (77 files in the first one here); the
    // builds end with one that walked the folder: it stats every file, more than the burst.
    const walked = (o: Outcome) => (stamped(o) ?? 0) > burst;
    const builds = await buildsAfter(async () => {
      for (let i = 0; i < burst; i++) writeFileSync(path.join(notes, `n-${i}.txt`), `${i}\n`);
    }, (o) => o.some(walked));
    expect(builds.every((o) => o.result?.ok)).toBe(true);
    // No build trusted a list of more than 200 files: a listed build stats exactly the files it was given.
    const listed = builds.filter((o) => !walked(o));
    for (const o of listed) expect(o.changed.length).toBeLessThanOrEqual(200);
    expect(builds.filter(walked).length).toBeGreaterThan(0);
  }, 240_000);
});

describe('lab dev', () => {
  const content = useTempContent({ 'tutorials/one': { kind: 'tutorial', title: 'Watched Page', body: 'The first words.' } });

  it('reloads the whole folder on the update after a watcher error, then updates by file again', async () => {
    let out = '';
    const handle = content.own(await dev({ dir: content.root, port: 0, output: { write: (s: string) => (out += s) } }));
    const file = path.join(content.root, 'tutorials/one/index.md');
    const source = await readFile(file, 'utf8');
    const page = async () => (await fetch(new URL('tutorials/one/', handle.url))).text();

    await loopIn(path.join(content.root, 'tutorials'));
    await until(() => out.includes('watcher:'), () => out);
    expect(out).toMatch(/watcher: ELOOP/);
    const first = handle.nextUpdate({ timeoutMs: 30_000 });
    await rm(path.join(content.root, 'tutorials/loop'));
    await writeFile(file, source.replace('The first words.', 'Words after the error.'));
    // The first update after the error (the loop's removal, or the save) reloads the folder.
    expect((await first).rescan).toBe(true);
    while (!(await page()).includes('Words after the error.')) await handle.nextUpdate({ timeoutMs: 30_000 });

    const update = handle.nextUpdate({ timeoutMs: 30_000 });
    await writeFile(file, source.replace('The first words.', 'Words trusted again.'));
    expect(await update).toMatchObject({ rescan: false, changedFiles: [file] });
    expect(await page()).toContain('Words trusted again.');
  }, 60_000);

  it("updates the page on vim's save (the original renamed to file~, a new file written, the backup removed)", async () => {
    const handle = content.own(await dev({ dir: content.root, port: 0, output: false }));
    const file = path.join(content.root, 'tutorials/one/index.md');
    const source = await readFile(file, 'utf8');
    const update = handle.nextUpdate({ timeoutMs: 30_000 });
    await rename(file, `${file}~`);
    await writeFile(file, source.replace('The first words.', 'Words vim saved.'));
    await rm(`${file}~`);
    const seen = await update;
    expect(seen.changedFiles).toEqual([file]);
    expect(seen.state.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(await (await fetch(new URL('tutorials/one/', handle.url))).text()).toContain('Words vim saved.');
  }, 60_000);
});
