// A fresh `build()` starts from the graph snapshot the previous build wrote
// (sdk/graph/snapshot.ts): after each kind of edit its output must be the
// same, byte for byte, as a --force full build's, and so must its diagnostics.
import { cp, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/index.ts';
import { snapshotTuning } from '../../../sdk/src/graph/snapshot.ts';
import { examplesDir, repoRoot } from '../helpers.ts';

/** The examples' `*.lab.ts` import the SDK by a path relative to the repository: a copy elsewhere imports it by its absolute path. */
async function sdkImportedFromRepo(dir: string): Promise<void> {
  for (const f of await readdir(dir, { recursive: true })) {
    if (!f.endsWith('.lab.ts')) continue;
    const file = path.join(dir, f);
    await writeFile(file, (await readFile(file, 'utf8')).replaceAll('../../../packages/sdk/src/index.ts', path.join(repoRoot, 'packages/sdk/src/index.ts')));
  }
}

let tmp: string;
let content: string;
const saved = { cache: process.env['LABKIT_CACHE'], racy: snapshotTuning.racyMs };

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'labkit-snapshot-build-'));
  content = path.join(tmp, 'content');
  await cp(examplesDir, content, { recursive: true });
  await sdkImportedFromRepo(content);
  // A cache of its own (the parse pack and the snapshot), and stamps trusted at once (files written seconds ago).
  process.env['LABKIT_CACHE'] = path.join(tmp, 'cache');
  snapshotTuning.racyMs = 0;
});

afterAll(async () => {
  if (saved.cache === undefined) delete process.env['LABKIT_CACHE'];
  else process.env['LABKIT_CACHE'] = saved.cache;
  snapshotTuning.racyMs = saved.racy;
  await rm(tmp, { recursive: true, force: true });
});

/** Every HTML page of a built site, by path. */
async function pages(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of (await readdir(dir, { recursive: true })).sort()) if (f.endsWith('.html')) out.set(f, await readFile(path.join(dir, f), 'utf8'));
  return out;
}

describe('build() from the graph snapshot', () => {
  it('after a body, front matter and content-as-code edit, a deleted file, a new file and a renamed folder, writes what a --force build writes', async () => {
    const out = path.join(tmp, 'out');
    const first = await build({ dir: content, outDir: out, force: true });
    expect(first.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(first).toMatchObject({ ok: true, mode: 'full' });
    const at = (rel: string) => path.join(content, rel);
    const steps: Array<[string, () => Promise<void>]> = [
      ['body', async () => writeFile(at('tutorials/linux-file-permissions/index.md'), (await readFile(at('tutorials/linux-file-permissions/index.md'), 'utf8')) + '\n\nA paragraph the snapshot build test added.\n')],
      ['front matter', async () => writeFile(at('challenges/stop-a-runaway-process/index.md'), (await readFile(at('challenges/stop-a-runaway-process/index.md'), 'utf8')).replace(/^title: .*$/m, 'title: Stop It (renamed by the test)'))],
      ['content as code body', async () => writeFile(at('challenges/create-a-service-account/body.md'), (await readFile(at('challenges/create-a-service-account/body.md'), 'utf8')) + '\n\nMore body from the test.\n')],
      ['deleted', async () => rm(at('challenges/stop-a-runaway-process/solution.md'))],
      ['new', async () => writeFile(at('challenges/stop-a-runaway-process/solution.md'), '---\ntitle: A New Solution\n---\n\nKill it, then truncate the file.\n')],
      ['renamed folder', async () => rename(at('challenges/lock-out-a-leaked-account'), at('challenges/lock-out-a-leaked-account-2'))],
    ];
    let i = 0;
    for (const [what, step] of steps) {
      await step();
      const r = await build({ dir: content, outDir: out });
      expect(r.timings['snapshotRestored'], what).toBe(1);
      const full = await build({ dir: content, outDir: path.join(tmp, `full-${i++}`), force: true });
      expect(r.ok, what).toBe(full.ok);
      expect(r.diagnostics, what).toEqual(full.diagnostics);
      expect(r.pages, what).toBe(full.pages);
      const [a, b] = [await pages(out), await pages(full.outDir)];
      expect([...a.keys()], what).toEqual([...b.keys()]);
      for (const [f, html] of a) expect(html, `${what}: ${f}`).toBe(b.get(f));
      // The --force build wrote a snapshot of its own: the next step starts from it.
    }
  }, 600_000);
});
