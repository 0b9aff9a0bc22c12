// nextUpdate() of a running lab dev when nothing changes: a catalogue error
// with the wait it gave up after (it was a bare Error with improvised text).
import { expect, it } from 'vitest';
import { dev } from '../../src/dev/index.ts';
import { useTempContent } from './helpers.ts';

const content = useTempContent({ 'tutorials/quiet': { kind: 'tutorial', title: 'Nothing Changes Here', body: 'Still.' } });

it('nextUpdate rejects with DevNoUpdate when no content changes in time', async () => {
  const handle = content.own(await dev({ dir: content.root, port: 0, output: false }));
  await expect(handle.nextUpdate({ timeoutMs: 300 })).rejects.toMatchObject({ code: 'DevNoUpdate', message: expect.stringContaining('300 ms') });
});
