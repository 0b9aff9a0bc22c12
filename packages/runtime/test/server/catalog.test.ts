import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { contentCatalog } from '../../src/index.ts';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples');

describe('contentCatalog over the examples', () => {
  const catalog = contentCatalog(examples);

  it('finds items by id and by the key their site pages carry', async () => {
    expect((await catalog.get('challenge:stop-a-runaway-process'))?.id).toBe('challenge:stop-a-runaway-process');
    expect((await catalog.get('challenges/stop-a-runaway-process'))?.id).toBe('challenge:stop-a-runaway-process');
    expect((await catalog.get('courses/linux-processes-101/processes/signals'))?.id).toBe('lesson:linux-processes-101/processes/signals');
    expect(await catalog.get('challenge:no-such-thing')).toBeUndefined();
  });

  it('takes machines, terminal users and welcome messages from the playground', async () => {
    const item = (await catalog.get('challenge:lock-out-a-leaked-account'))!;
    expect(item.machines.map((m) => [m.name, m.user, m.terminal])).toEqual([
      ['web-01', 'root', true],
      ['db-01', 'root', true],
    ]);
    expect(item.machines[0]!.welcome).toBe('web-01 serves the company website.');
    const single = (await catalog.get('challenge:stop-a-runaway-process'))!;
    expect(single.machines.map((m) => m.name)).toEqual(['busybox']);
    expect(Object.keys(single.tasks)).toContain('verify_log_truncated');
  });
});
