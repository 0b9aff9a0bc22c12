import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchContent, isIgnoredPath, type FolderWatcher } from '../../src/dev/content-watcher.ts';
import type { ChangeBatch } from '../../src/dev/change-batcher.ts';

// The real chokidar on a real temp folder: every editor/git pattern must end
// in batches whose union names the right files.
let root: string;
let watcher: FolderWatcher | undefined;
let batches: ChangeBatch[];

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lab-dev-watch-'));
  await mkdir(path.join(root, 'tutorials', 'a'), { recursive: true });
  await writeFile(path.join(root, 'tutorials', 'a', 'index.md'), '# a\n');
  batches = [];
});
afterEach(async () => {
  await watcher?.close();
  watcher = undefined;
  await rm(root, { recursive: true, force: true });
});

async function start(burstThreshold = 200): Promise<void> {
  watcher = watchContent(root, { onBatch: (b) => batches.push(b), onError: (e) => { throw e; }, burstThreshold });
  await watcher.ready;
}

/** Waits until `predicate` holds over the union of batches seen so far. */
async function until(predicate: (changed: Set<string>, removed: Set<string>) => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const changed = new Set(batches.flatMap((b) => b.changed));
    const removed = new Set(batches.flatMap((b) => b.removed));
    if (predicate(changed, removed)) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out; batches: ${JSON.stringify(batches)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const f = (...parts: string[]) => path.join(root, ...parts);

describe('watchContent (chokidar on a real folder)', () => {
  it('reports an edit as a change of that file', async () => {
    await start();
    await writeFile(f('tutorials', 'a', 'index.md'), '# a edited\n');
    await until((changed) => changed.has(f('tutorials', 'a', 'index.md')));
  });

  it('folds an editor save (write temp, rename over) into a change of the real file', async () => {
    await start();
    await writeFile(f('tutorials', 'a', '.index.md.swp'), 'x');
    await writeFile(f('tutorials', 'a', 'index.md.tmp'), '# saved atomically\n');
    await rename(f('tutorials', 'a', 'index.md.tmp'), f('tutorials', 'a', 'index.md'));
    await until((changed) => changed.has(f('tutorials', 'a', 'index.md')));
    const all = batches.flatMap((b) => [...b.changed, ...b.removed]);
    expect(all.some((p) => p.endsWith('.swp') || p.endsWith('.tmp'))).toBe(false);
  });

  it('reports a renamed folder as the old path removed and the new file added', async () => {
    await start();
    await rename(f('tutorials', 'a'), f('tutorials', 'b'));
    await until(
      (changed, removed) =>
        changed.has(f('tutorials', 'b', 'index.md')) &&
        (removed.has(f('tutorials', 'a')) || removed.has(f('tutorials', 'a', 'index.md'))),
    );
  });

  it('sees files in a new folder and a deleted file', async () => {
    await start();
    await mkdir(f('challenges', 'new-one'), { recursive: true });
    await writeFile(f('challenges', 'new-one', 'index.md'), '# new\n');
    await rm(f('tutorials', 'a', 'index.md'));
    await until(
      (changed, removed) => changed.has(f('challenges', 'new-one', 'index.md')) && removed.has(f('tutorials', 'a', 'index.md')),
    );
  });

  it('coalesces a burst (a branch checkout) and flags it for a re-scan', async () => {
    await start(50);
    await Promise.all(
      Array.from({ length: 120 }, async (_, i) => {
        await mkdir(f('burst', `item-${i}`), { recursive: true });
        await writeFile(f('burst', `item-${i}`, 'index.md'), `# ${i}\n`);
      }),
    );
    await until((changed) => [...changed].filter((p) => p.includes(`${path.sep}burst${path.sep}`) && p.endsWith('index.md')).length === 120);
    expect(batches.length).toBeLessThan(60);
    expect(batches.some((b) => b.rescan)).toBe(true);
  });
});

describe('isIgnoredPath', () => {
  it('skips editor droppings, tool folders and hidden files, keeps content', () => {
    const r = '/c';
    expect(isIgnoredPath(r, '/c/tutorials/a/index.md')).toBe(false);
    expect(isIgnoredPath(r, '/c/tutorials/a/__static__/x.png')).toBe(false);
    expect(isIgnoredPath(r, '/c/challenges/a/.solution.sh')).toBe(false);
    expect(isIgnoredPath(r, '/c/.obsidian', true)).toBe(true);
    for (const p of ['/c/.git/HEAD', '/c/node_modules/x/index.md', '/c/a/.index.md.swp', '/c/a/index.md~', '/c/a/4913', '/c/.vscode/settings.json', '/c/a/.#index.md', '/c/a/#index.md#', '/c/a/index.md___jb_tmp___']) {
      expect(isIgnoredPath(r, p), p).toBe(true);
    }
  });
});
