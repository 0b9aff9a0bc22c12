// nextUpdate() of a running lab dev when nothing changes: a catalogue error
// with the wait it gave up after (it was a bare Error with improvised text).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { tempContent, writeItem } from './helpers.ts';

let root: string;
let cleanup: () => Promise<void>;
let handle: DevHandle | undefined;

beforeEach(async () => {
  ({ root, cleanup } = await tempContent());
  await writeItem(root, 'tutorials/quiet', { kind: 'tutorial', title: 'Nothing Changes Here', body: 'Still.' });
});
afterEach(async () => {
  await handle?.close();
  await cleanup();
});

it('nextUpdate rejects with DevNoUpdate when no content changes in time', async () => {
  handle = await dev({ dir: root, port: 0, output: false });
  await expect(handle.nextUpdate({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'DevNoUpdate', message: expect.stringContaining('300 ms') });
});
