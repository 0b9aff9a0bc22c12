// `lab dev` holds one content graph: the pages, the diagnostics and the
// playground catalog all come from one store, loaded once and then only
// updated, as the `lab dev` command wires them (cli/src/commands/dev.ts).
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentStore } from '@labkit/sdk';
import { loaderStats } from '../../../sdk/src/graph/loader.ts';
import { dev } from '../../src/dev/index.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
import { devPlaygrounds } from '../../../runtime/src/index.ts';
import { fakeProvider } from '../../../runtime/test/security/fake-provider.ts';

const fixture = path.resolve(import.meta.dirname, '../../../runtime/test/server/fixtures/content');
let root = '';
afterAll(() => rm(root, { recursive: true, force: true }));

describe('lab dev: one graph per process', () => {
  it('loads the folder once; an edit and a new item reach the pages, the diagnostics and the playground catalog through updateFiles', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'lab-one-graph-'));
    await cp(fixture, root, { recursive: true });
    const loads = loaderStats.folderLoads;
    const store = new ContentStore();
    const playgrounds = devPlaygrounds({ dir: root, store, provider: fakeProvider() });
    const handle = await dev({ dir: root, store, port: 0, output: false, mount: playgroundDevMount(playgrounds) });
    try {
      expect(loaderStats.folderLoads - loads).toBe(1);
      expect(await playgrounds.hasPlayground('challenge:live-tasks')).toBe(true);
      expect(await (await fetch(new URL('challenges/live-tasks/', handle.url))).text()).toContain('Live tasks in a playground');

      // One edit: a new title, and a broken task reference for the diagnostics.
      const file = path.join(root, 'challenges/live-tasks/index.md');
      const text = await readFile(file, 'utf8');
      let update = handle.nextUpdate({ timeoutMs: 30_000 });
      await writeFile(file, text.replace('title: Live tasks in a playground', 'title: Edited in one graph').replace(/:name: (\w+)/, ':name: no_such_task'));
      await update;
      expect(await (await fetch(new URL('challenges/live-tasks/', handle.url))).text()).toContain('Edited in one graph');
      expect(handle.state.diagnostics.some((d) => d.ruleId === 'lab:unknown-task' && d.file === 'challenges/live-tasks/index.md')).toBe(true);
      expect(store.graph.byId.get('challenge:live-tasks')?.data?.['title']).toBe('Edited in one graph');

      // A new item with a playground: the catalog knows it at once (no second load behind the graph's back).
      expect(await playgrounds.hasPlayground('challenge:added')).toBe(false);
      await mkdir(path.join(root, 'challenges/added'));
      update = handle.nextUpdate({ timeoutMs: 30_000 });
      await writeFile(path.join(root, 'challenges/added/index.md'), (await readFile(path.join(root, 'challenges/crashbox/index.md'), 'utf8')).replace('title: A machine that crashes', 'title: Added later'));
      await update;
      for (let i = 0; i < 50 && !store.graph.byId.has('challenge:added'); i++) await handle.nextUpdate({ timeoutMs: 30_000 });
      expect(await playgrounds.hasPlayground('challenge:added')).toBe(true);
      expect(await (await fetch(new URL('challenges/added/', handle.url))).text()).toContain('Added later');

      expect(loaderStats.folderLoads - loads).toBe(1);
    } finally {
      await handle.close();
      await playgrounds.close();
    }
  });
});
