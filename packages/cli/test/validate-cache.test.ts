// `lab validate --cache`'s whole-result cache on the real iximiuz samples
// (read from the shared corpus, copied to a temp folder): a hit equals an
// uncached run, and any changed input (a byte of any file, with its mtime put
// back; the config; a corrupt entry) is recomputed, never a stale hit.
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Diagnostic } from '@labkit/sdk';
import { afterAll, expect, it } from 'vitest';
import { validate } from '../src/index.ts';
import type { CommandReporter, ValidateResult } from '../src/index.ts';
import { validateCachePath } from '../src/run/validate-cache.ts';
import { validateHit } from '../src/run/validate.ts';
import { snapshotPath, snapshotTuning } from '../../sdk/src/graph/snapshot.ts';
import { corpusPath, describeCorpus, hasCorpus } from '../../../test-support/corpus.ts';
import { lab, tempDir } from './helpers.ts';

const work = tempDir('validate-cache');
const project = join(work, 'project');
const content = join(project, 'content');
const cacheDir = join(work, 'cache');
if (hasCorpus) cpSync(corpusPath('iximiuz-samples'), content, { recursive: true });
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a run says (the part a hit must reproduce), and whether it loaded the folder. */
async function run(cache: string | false = cacheDir): Promise<{ fromCache: boolean; loaded: boolean; out: Pick<ValidateResult, 'diagnostics' | 'summary' | 'counts' | 'ok'> & { files: string[] } }> {
  const steps: string[] = [];
  const reporter: CommandReporter = { progress: (m) => void steps.push(m), diagnostics: (_d: readonly Diagnostic[]) => undefined };
  const r = await validate({ dir: content, cache, reporter });
  return { fromCache: r.fromCache, loaded: steps.includes('loading content'), out: { diagnostics: r.diagnostics, summary: r.summary, counts: r.counts, ok: r.ok, files: [...r.files].sort() } };
}

const silent: CommandReporter = { progress: () => undefined, diagnostics: () => undefined };

/** Changes one byte of `file` in place (same size) and puts its mtime back, so only the bytes tell. */
function flipByte(file: string, at = 0): void {
  const { atime, mtime } = statSync(file);
  const bytes = readFileSync(file);
  const i = Math.min(at, bytes.length - 1);
  bytes[i] = bytes[i] === 0x78 ? 0x79 : 0x78;
  writeFileSync(file, bytes);
  utimesSync(file, atime, mtime);
}

describeCorpus('lab validate --cache: whole-result cache', () => {
  it('a hit deep-equals an uncached run and neither loads nor parses', async () => {
    const cold = await run(false);
    expect(cold.out.diagnostics.length).toBeGreaterThan(0);
    const fill = await run();
    expect(fill).toMatchObject({ fromCache: false, loaded: true });
    const hit = await run();
    expect(hit).toMatchObject({ fromCache: true, loaded: false });
    expect(hit.out).toEqual(cold.out);
    expect(JSON.stringify(hit.out)).toBe(JSON.stringify(cold.out));
  });

  it('one byte changed in any file (mtime unchanged) is recomputed and equals a fresh run', async () => {
    const challenge = join(content, 'sample-challenge');
    const targets = [join(challenge, 'index.md'), join(challenge, 'solution.md'), ...readdirSync(join(challenge, '__static__')).map((f) => join(challenge, '__static__', f))];
    let before = (await run()).out;
    for (const [n, file] of targets.entries()) {
      // index.md: the front matter fence breaks, so the diagnostics really differ.
      flipByte(file, n === 0 ? 1 : 100);
      const cached = await run();
      expect(cached.fromCache, file).toBe(false);
      const fresh = await run(false);
      expect(cached.out, file).toEqual(fresh.out);
      if (n === 0) expect(fresh.out.diagnostics).not.toEqual(before.diagnostics);
      before = fresh.out;
      expect((await run()).fromCache, file).toBe(true);
    }
  });

  it('an added, removed or renamed file is recomputed and equals a fresh run', async () => {
    const challenge = join(content, 'sample-challenge');
    const extra = join(challenge, 'notes.md');
    const steps: Array<[string, () => void]> = [
      ['added', () => writeFileSync(extra, '# Notes\n\nSee [the task](./missing.md).\n')],
      ['renamed', () => renameSync(extra, join(challenge, 'notes-2.md'))],
      ['removed', () => rmSync(join(challenge, 'notes-2.md'))],
      ['solution renamed', () => renameSync(join(challenge, 'solution.md'), join(challenge, 'solution-a.md'))],
      ['solution back', () => renameSync(join(challenge, 'solution-a.md'), join(challenge, 'solution.md'))],
    ];
    await run();
    expect((await run()).fromCache).toBe(true);
    for (const [what, change] of steps) {
      const before = (await run()).out;
      change();
      const cached = await run();
      expect(cached.fromCache, what).toBe(false);
      const fresh = await run(false);
      expect(cached.out, what).toEqual(fresh.out);
      expect(fresh.out.files, what).not.toEqual(before.files);
      expect((await run()).fromCache, what).toBe(true);
    }
  });

  it('after an edit the load starts from the graph snapshot (as lab build does) and equals a fresh run, in this thread and isolated', async () => {
    // Files written in the last 2 s get no snapshot stamp: the copy above is that recent.
    const racy = snapshotTuning.racyMs;
    snapshotTuning.racyMs = 0;
    try {
      // Earlier tests broke this file's front matter: start from the corpus's.
      const index = join(content, 'sample-challenge', 'index.md');
      writeFileSync(index, readFileSync(corpusPath('iximiuz-samples', 'sample-challenge', 'index.md')));
      // A snapshot an earlier test left lists its recent files unstamped: start from a fresh one.
      rmSync(snapshotPath(content, cacheDir), { force: true });
      rmSync(validateCachePath(content, cacheDir), { force: true });
      const fill = await validate({ dir: content, cache: cacheDir, reporter: silent });
      expect(fill.snapshot).toMatchObject({ use: 'none', written: true });
      expect(existsSync(snapshotPath(content, cacheDir))).toBe(true);
      for (const isolate of [false, true]) {
        writeFileSync(index, readFileSync(index, 'utf8') + `\nEdited (isolate: ${isolate}):\n\n::no-such-component-${isolate}\nText.\n::\n`);
        const cached = await validate({ dir: content, cache: cacheDir, reporter: silent, isolate });
        expect(cached.fromCache).toBe(false);
        expect(cached.snapshot, `isolate: ${isolate}`).toMatchObject({ use: 'restored' });
        // The worker keeps the 2 s racy window (its own module): files earlier tests wrote may count too.
        if (!isolate) expect(cached.snapshot!.changed).toBe(1);
        else expect(cached.snapshot!.changed).toBeLessThan(cached.files.size / 2);
        const fresh = await run(false);
        expect({ diagnostics: cached.diagnostics, summary: cached.summary, counts: cached.counts, ok: cached.ok, files: [...cached.files].sort() }).toEqual(fresh.out);
        expect(cached.diagnostics.filter((d) => d.message.includes(`no-such-component-${isolate}`))).toHaveLength(1);
      }
    } finally {
      snapshotTuning.racyMs = racy;
    }
  });

  it("the fast path's miss, taken over by the command, stores nothing when a file changed in between", async () => {
    const solution = join(content, 'sample-challenge', 'solution.md');
    const s1 = readFileSync(solution, 'utf8');
    writeFileSync(solution, s1 + '\nA first edit.\n');
    const state1 = readFileSync(solution);
    expect(await validateHit({ dir: content, cache: cacheDir })).toBeUndefined();
    // Between the fast path (bin/lab.js) and the command: the folder moves on.
    writeFileSync(solution, s1 + '\nA second edit:\n\n::no-such-widget\nText.\n::\n');
    const cached = await run();
    expect(cached.fromCache).toBe(false);
    expect(cached.out).toEqual((await run(false)).out);
    expect(cached.out.diagnostics.some((d) => d.message.includes('no-such-widget'))).toBe(true);
    // Back to the state the fast path saw: its answer, not the second edit's.
    writeFileSync(solution, state1);
    const again = await run();
    expect(again.out).toEqual((await run(false)).out);
    expect(again.out.diagnostics.some((d) => d.message.includes('no-such-widget'))).toBe(false);
  });

  it('a file whose stat the entry keeps is still re-read when rewritten in place (same size, mtime put back)', async () => {
    // Stat stamps are kept only for files unchanged for 2 s before they were hashed.
    await sleep(2100);
    rmSync(validateCachePath(content, cacheDir));
    const fill = await run();
    expect(fill.fromCache).toBe(false);
    const stamps = (JSON.parse(readFileSync(validateCachePath(content, cacheDir), 'utf8')) as { stamps: Record<string, [string, string]> }).stamps;
    expect(Object.keys(stamps).sort()).toEqual(fill.out.files.filter((f) => !fill.out.diagnostics.some((d) => d.file === f && d.ruleId === 'lab:symlink-outside')));
    expect((await run()).fromCache).toBe(true);
    const file = join(content, 'sample-challenge', 'index.md');
    flipByte(file, 1);
    const cached = await run();
    expect(cached.fromCache).toBe(false);
    expect(cached.out).toEqual((await run(false)).out);
    // A file changed just now gets no stamp (a second write in the same clock tick would not show).
    const after = (JSON.parse(readFileSync(validateCachePath(content, cacheDir), 'utf8')) as { stamps: Record<string, unknown> }).stamps;
    expect(Object.keys(after)).not.toContain('sample-challenge/index.md');
    expect(Object.keys(after).length).toBe(Object.keys(stamps).length - 1);
    flipByte(file, 1);
    expect((await run()).fromCache).toBe(false);
    // Once it has settled, a hit stamps it, so later hits do not read it again.
    await sleep(2100);
    const hit = await run();
    expect(hit.fromCache).toBe(true);
    const refreshed = (JSON.parse(readFileSync(validateCachePath(content, cacheDir), 'utf8')) as { stamps: Record<string, unknown> }).stamps;
    expect(Object.keys(refreshed).sort()).toEqual(Object.keys(stamps).sort());
    const again = await run();
    expect(again.fromCache).toBe(true);
    expect(again.out).toEqual(hit.out);
    expect(again.out).toEqual((await run(false)).out);
  }, 60_000); // two waits of 2.1 s

  it('a changed lab.config above the content folder is recomputed', async () => {
    writeFileSync(join(project, 'lab.config.mjs'), 'export default { title: "one" };\n');
    await run();
    expect((await run()).fromCache).toBe(true);
    writeFileSync(join(project, 'lab.config.mjs'), 'export default { title: "two" };\n');
    expect((await run()).fromCache).toBe(false);
    expect((await run()).fromCache).toBe(true);
  });

  it('a corrupt or foreign entry is a miss without error, then rewritten', async () => {
    const entry = validateCachePath(content, cacheDir);
    for (const bad of ['{"key": "', 'null', '{"key":"x","diagnostics":[],"files":[],"items":0,"documents":0}', '\u0000\u0001']) {
      writeFileSync(entry, bad);
      const r = await run();
      expect(r.fromCache).toBe(false);
      expect(r.out).toEqual((await run(false)).out);
      expect((await run()).fromCache).toBe(true);
    }
  });

  it('content code that would run (*.lab.ts) gets no entry; with --no-code it does', async () => {
    const file = join(content, 'extra.lab.ts');
    writeFileSync(file, 'export default {};\n');
    try {
      for (let i = 0; i < 2; i++) expect((await validate({ dir: content, cache: cacheDir })).fromCache).toBe(false);
      await validate({ dir: content, cache: cacheDir, code: false });
      const hit = await validate({ dir: content, cache: cacheDir, code: false });
      expect(hit.fromCache).toBe(true);
      const fresh = await validate({ dir: content, code: false });
      expect([...hit.diagnostics]).toEqual([...fresh.diagnostics]);
      // The entry is keyed by --no-code: a run with code never takes it.
      expect((await validate({ dir: content, cache: cacheDir })).fromCache).toBe(false);
    } finally {
      rmSync(file);
    }
  });

  it('a hit prints exactly what an uncached run prints, from the output kept for that way of printing', async () => {
    const env = { LABKIT_CACHE: join(work, 'cli-cache') };
    const outputs = () => readdirSync(join(env.LABKIT_CACHE, 'validate')).filter((n) => n.includes('.out-')).sort();
    // The pretty closing line says where the result came from; the rest is the same.
    const said = (stdout: string) => stdout.replace(' (unchanged: cached result)', '');
    for (const flags of [['--format', 'json'], [], ['--quiet']]) {
      const cold = await lab(['validate', content, ...flags], { env });
      const fill = await lab(['validate', content, '--cache', ...flags], { env });
      const hit = await lab(['validate', content, '--cache', ...flags], { env });
      expect(cold.stdout.length).toBeGreaterThan(100);
      for (const r of [fill, hit]) expect({ code: r.code, stdout: said(r.stdout) }).toEqual({ code: cold.code, stdout: cold.stdout });
      if (flags.length === 0) expect(hit.stdout).toContain('(unchanged: cached result)');
    }
    expect(outputs()).toEqual(expect.arrayContaining([expect.stringMatching(/\.out-json-plain-all$/), expect.stringMatching(/\.out-pretty-plain-all$/), expect.stringMatching(/\.out-pretty-plain-errors$/)]));
    // Another result's output (its key line differs) is never printed.
    const json = join(env.LABKIT_CACHE, 'validate', outputs().find((n) => n.endsWith('.out-json-plain-all'))!);
    writeFileSync(json, 'another-key\n{"diagnostics": []}\n');
    const cold = await lab(['validate', content, '--format', 'json'], { env });
    expect((await lab(['validate', content, '--cache', '--format', 'json'], { env })).stdout).toBe(cold.stdout);
    expect((await lab(['validate', content, '--cache', '--format', 'json'], { env })).stdout).toBe(cold.stdout);
    // A changed file: a new result, printed as an uncached run prints it, and the old outputs are dropped.
    const file = join(content, 'sample-challenge', 'index.md');
    const original = readFileSync(file);
    try {
      flipByte(file, 1);
      const before = outputs().length;
      const changed = await lab(['validate', content, '--cache'], { env });
      expect(outputs().length).toBeLessThan(before);
      expect(said(changed.stdout)).toBe((await lab(['validate', content], { env })).stdout);
      expect(said((await lab(['validate', content, '--cache'], { env })).stdout)).toBe(said(changed.stdout));
    } finally {
      writeFileSync(file, original);
    }
  }, 180_000); // fifteen lab processes

  it('a hit with a kept output still gives the stored diagnostics when asked', async () => {
    const cold = await run(false);
    await validate({ dir: content, cache: cacheDir });
    const first = await validate({ dir: content, cache: cacheDir, output: 'test-variant' });
    expect(first.fromCache).toBe(true);
    expect(first.cachedOutput).toBeUndefined();
    await first.keepOutput!('printed once\n');
    const hit = await validate({ dir: content, cache: cacheDir, output: 'test-variant' });
    expect(hit.cachedOutput?.toString()).toBe('printed once\n');
    expect({ diagnostics: hit.diagnostics, summary: hit.summary, counts: hit.counts, ok: hit.ok, files: [...hit.files].sort() }).toEqual(cold.out);
  });

  it('a symlink out of the folder stays refused and is never read for the key', async () => {
    const outside = join(work, 'secret.md');
    writeFileSync(outside, 'secret one\n');
    symlinkSync(outside, join(content, 'sample-challenge', 'leak.md'));
    const miss = await run();
    expect(miss.fromCache).toBe(false);
    expect(miss.out.diagnostics.some((d) => d.ruleId === 'lab:symlink-outside' && d.file === 'sample-challenge/leak.md')).toBe(true);
    expect(miss.out.files).not.toContain('sample-challenge/leak.md');
    writeFileSync(outside, 'secret two\n');
    const hit = await run();
    expect(hit.fromCache).toBe(true);
    expect(hit.out).toEqual((await run(false)).out);
  });
});

it.runIf(hasCorpus)('the cache entry lives in the cache folder, outside the content', () => {
  expect(validateCachePath(content, cacheDir).startsWith(join(cacheDir, 'validate') + '/')).toBe(true);
});
