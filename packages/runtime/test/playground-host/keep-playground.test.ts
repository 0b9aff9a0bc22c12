import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { playgroundOf } from '../../src/index.ts';
import { keepPlayground, listPlaygrounds, openControl, stopPlayground } from '../../src/playground-host/index.ts';
import { FakeMachine } from '../security/fake-provider.ts';

// A playground kept by `lab test --keep-on-fail` lives in this process, which
// may keep several: `lab playground stop` must dispose that one and return,
// not wait for (and then SIGKILL) the process that holds it.
let dir: string;
const saved = process.env.LABKIT_PLAYGROUND_DIR;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'labkit-keep-'));
  process.env.LABKIT_PLAYGROUND_DIR = dir;
});
afterAll(() => {
  if (saved === undefined) delete process.env.LABKIT_PLAYGROUND_DIR;
  else process.env.LABKIT_PLAYGROUND_DIR = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('keepPlayground', () => {
  it('registers a running playground like a started one, and lab playground stop disposes only it', async () => {
    const a = new FakeMachine('box');
    const b = new FakeMachine('other');
    const first = await keepPlayground({ playground: playgroundOf([a]), target: 'challenge:wrong-solution', title: 'Wrong', failedTasks: ['verify_file'] });
    const second = await keepPlayground({ playground: playgroundOf([b]), target: 'challenge:other', title: 'Other', failedTasks: ['verify_x'] });
    const listed = listPlaygrounds();
    expect(listed.map((r) => r.id).sort()).toEqual([first.record.id, second.record.id].sort());
    expect(listed.find((r) => r.id === first.record.id)).toMatchObject({ pid: process.pid, machines: [{ name: 'box', user: 'root' }], keptBy: { command: 'lab test', failedTasks: ['verify_file'] } });
    expect(statSync(first.record.socket).mode & 0o777).toBe(0o600);
    const info = await openControl(first.record, { op: 'info' }).catch((e: unknown) => e);
    expect(info).toMatchObject({ reply: { id: first.record.id } });

    const t = Date.now();
    await stopPlayground(first.record.id);
    expect(Date.now() - t).toBeLessThan(5_000);
    await first.stopped;
    expect(a.disposed).toBe(true);
    expect(b.disposed).toBe(false);
    expect(listPlaygrounds().map((r) => r.id)).toEqual([second.record.id]);
    await second.stop();
    expect(b.disposed).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });
});
