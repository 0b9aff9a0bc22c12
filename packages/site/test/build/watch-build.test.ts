import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { build, watchBuild, type BuildResult } from '../../src/index.ts';
import { fixtureSite } from '../helpers.ts';

/**
 * `watchBuild()` (`lab build --watch`) on a real folder with a real watcher:
 * a save rebuilds only its page, the page equals a full build's, and the
 * build's own output (inside the content folder here) never sets off
 * another build.
 */
const tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-watch-build-'));
const content = path.join(tmp, 'content');
// Inside the content folder, under a name the SDK does not skip on its own.
const out = path.join(content, 'site-out');
await cp(fixtureSite, content, { recursive: true });

type Outcome = { result?: BuildResult; error?: Error; changed: string[] };
const outcomes: Outcome[] = [];
const waiters: Array<() => void> = [];
const watcher = watchBuild({
  dir: content,
  outDir: out,
  cacheDir: path.join(tmp, 'cache'),
  onBuild: (o) => {
    outcomes.push(o);
    waiters.shift()?.();
  },
});
const nextBuild = () => new Promise<void>((resolve) => waiters.push(resolve));
afterAll(() => watcher.close());

it('rebuilds a saved page in the same process, the same page a full build writes, and ignores its own output', async () => {
  await watcher.ready;
  expect(outcomes).toHaveLength(1);
  expect(outcomes[0]!.error).toBeUndefined();
  expect(outcomes[0]!.result).toMatchObject({ ok: true, mode: 'full' });

  const file = path.join(content, 'challenges/xss-and-tasks/index.md');
  const source = await readFile(file, 'utf8');
  for (const [i, words] of ['Start with the very first task.', 'Start with the first task, carefully.'].entries()) {
    const built = nextBuild();
    await writeFile(file, source.replace('Start with the first task.', words));
    await built;
    const o = outcomes.at(-1)!;
    expect(o.error).toBeUndefined();
    expect(o.changed).toEqual(['challenges/xss-and-tasks/index.md']);
    // Only the saved document was parsed and rendered again, only its page written.
    expect(o.result).toMatchObject({ ok: true, mode: 'incremental', rendered: 1, pagesWritten: 1 });
    // The first rebuild after the start walks the folder (a save before the
    // watcher was ready has no event); the next one stats only the file the watcher reported.
    if (i === 0) expect(o.result!.timings['stampedFiles']).toBeGreaterThan(1);
    else expect(o.result!.timings['stampedFiles']).toBe(1);
    expect(outcomes).toHaveLength(2 + i);
  }
  const page = await readFile(path.join(out, 'challenges/xss-and-tasks/index.html'), 'utf8');
  expect(page).toContain('Start with the first task, carefully.');
  const full = await build({ dir: content, outDir: path.join(tmp, 'full'), cacheDir: path.join(tmp, 'full-cache'), force: true });
  expect(full.mode).toBe('full');
  expect(await readFile(path.join(tmp, 'full/challenges/xss-and-tasks/index.html'), 'utf8')).toBe(page);
  // No build was set off by the output folder's writes: every build so far had a content file as its cause.
  expect(outcomes.slice(1).flatMap((o) => o.changed).filter((f) => f.startsWith('site-out/'))).toEqual([]);
  await writeFile(file, source);
}, 240_000);

it('a build given the changed files equals a full build, and one without the list still finds a change nobody reported', async () => {
  const dir = path.join(tmp, 'listed');
  await cp(fixtureSite, dir, { recursive: true });
  const opts = { dir, outDir: path.join(tmp, 'listed-out'), cacheDir: path.join(tmp, 'listed-cache'), keepGraph: true };
  expect(await build(opts)).toMatchObject({ ok: true, mode: 'full' });
  const rel = 'challenges/xss-and-tasks/index.md';
  const file = path.join(dir, rel);
  const source = await readFile(file, 'utf8');
  const page = () => readFile(path.join(opts.outDir, 'challenges/xss-and-tasks/index.html'), 'utf8');

  // Reported by a watcher: only that file is statted, and its page is rebuilt.
  await writeFile(file, source.replace('Start with the first task.', 'Start with the listed task.'));
  const listed = await build({ ...opts, changedFiles: [rel] });
  expect(listed).toMatchObject({ ok: true, mode: 'incremental', rendered: 1, pagesWritten: 1 });
  expect(listed.timings['stampedFiles']).toBe(1);
  expect(await page()).toContain('Start with the listed task.');

  // Not reported (a lost event): the fallback, without a list, walks the folder and finds it.
  await writeFile(file, source.replace('Start with the first task.', 'Start with the unreported task.'));
  const walked = await build(opts);
  expect(walked).toMatchObject({ ok: true, mode: 'incremental', rendered: 1, pagesWritten: 1 });
  expect(walked.timings['stampedFiles']).toBeGreaterThan(1);
  expect(await page()).toContain('Start with the unreported task.');

  // A listed folder (one that appeared) is not trusted either: the build walks.
  const walkedAgain = await build({ ...opts, changedFiles: ['challenges'] });
  expect(walkedAgain.timings['stampedFiles']).toBeGreaterThan(1);

  // Byte for byte what a forced full build writes, for every page.
  const full = path.join(tmp, 'listed-full');
  await build({ dir, outDir: full, cacheDir: path.join(tmp, 'listed-full-cache'), force: true });
  const pages = (await readdir(full, { recursive: true })).filter((f) => f.endsWith('.html'));
  expect(pages.length).toBeGreaterThan(3);
  for (const f of pages) expect(await readFile(path.join(opts.outDir, f), 'utf8'), f).toBe(await readFile(path.join(full, f), 'utf8'));
}, 240_000);
