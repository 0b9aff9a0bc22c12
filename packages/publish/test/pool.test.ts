// The upload pool: bounded concurrency, and no new upload once one failed
// (the ones in flight finish), so a broken storage service stops a publish
// of thousands of objects after a handful of requests.
import { describe, expect, it } from 'vitest';
import { runPool } from '../src/pool.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('runPool', () => {
  it('keeps at most limit calls in flight and runs every item when none fails', async () => {
    let now = 0;
    let most = 0;
    const done: number[] = [];
    const failures = await runPool([...Array(20).keys()], 3, async (i) => {
      most = Math.max(most, ++now);
      await tick();
      now--;
      done.push(i);
    });
    expect(failures).toEqual([]);
    expect(most).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
  });

  it('starts nothing new after the first failure, lets the calls in flight finish, and returns the failure with its item', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const failures = await runPool([...Array(50).keys()], 2, async (i) => {
      started.push(i);
      await tick();
      if (i === 3) throw new Error('503 Slow Down');
      finished.push(i);
    });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ item: 3, error: expect.objectContaining({ message: '503 Slow Down' }) });
    // Items 0-3 and at most the one in flight beside 3; never the other 45.
    expect(started.length).toBeLessThanOrEqual(5);
    expect(finished.every((i) => started.includes(i))).toBe(true);
  });

  it('treats a limit under 1 as 1 and an empty list as nothing to do', async () => {
    let most = 0;
    let now = 0;
    await runPool([1, 2, 3], 0, async () => {
      most = Math.max(most, ++now);
      await tick();
      now--;
    });
    expect(most).toBe(1);
    expect(await runPool([], 4, async () => {})).toEqual([]);
  });
});
