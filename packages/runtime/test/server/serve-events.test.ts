import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeEvent, type ServeHandle } from '../../src/index.ts';
import { fakeProvider } from '../security/fake-provider.ts';

// lab serve --events: one JSON line per session state change, machine step
// and task run, appended to the file, and the token never in it.
const content = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/conditions');
let handle: ServeHandle | undefined;
let dir: string | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lab serve --events', () => {
  it('appends a wide event per session state, machine step and task run, without the session token', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labkit-serve-events-'));
    const file = path.join(dir, 'events.jsonl');
    await writeFile(file, '{"earlier":"run"}\n');
    handle = await serve({ dir: content, port: 0, provider: fakeProvider(), events: file });
    const r = await fetch(`${handle.url}sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'challenge:pick-a-flavour', conditions: { FLAVOUR: 'chocolate' } }) });
    expect(r.status).toBe(201);
    const { token } = (await r.json()) as { token: string };
    // The fake machines fail every script: the init task fails the attempt.
    await expect.poll(() => handle!.playgrounds.sessions[0]?.snapshot().playground, { timeout: 10_000 }).toBe('failed');
    await fetch(`${handle.url}sessions/${token}/stop`, { method: 'POST' });
    await handle.close();
    handle = undefined;

    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(token);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ earlier: 'run' });
    const events = lines.slice(1) as unknown as ServeEvent[];
    for (const e of events) {
      expect(e).toMatchObject({ item: 'challenge:pick-a-flavour', conditions: 'FLAVOUR=chocolate,NOTE=' });
      expect(e.session).toMatch(/^[0-9a-f]{12}$/);
      expect(Number.isNaN(Date.parse(e.time))).toBe(false);
    }
    expect(new Set(events.map((e) => e.session)).size).toBe(1);
    const steps = events.map((e) => (e.type === 'session' ? `session:${e.state}` : e.type === 'machine' ? `machine:${e.step}` : `${e.type}:${e.task}`));
    expect(steps.slice(0, 4)).toEqual(['session:starting', 'machine:provision', 'machine:startup-files', 'session:running']);
    expect(steps).toContain('task-run:init_chocolate');
    expect(steps).not.toContain('task-run:init_vanilla');
    expect(steps.slice(-2)).toEqual(['session:stopped', 'machine:dispose']);
    const run = events.find((e) => e.type === 'task-run')!;
    expect(run).toMatchObject({ type: 'task-run', task: 'init_chocolate', kind: 'init', machine: 'box', script: 'run', phase: 'init', attempt: 1, exitCode: 1, sessionAttempt: 1 });
    const stopped = events.find((e) => e.type === 'session' && e.state === 'stopped')!;
    expect(stopped).toMatchObject({ detail: 'stopped by the learner' });
  });

  it('refuses an events file it cannot open before listening', async () => {
    await expect(serve({ dir: content, port: 0, provider: fakeProvider(), events: '/nonexistent-folder/events.jsonl' })).rejects.toMatchObject({ code: 'EventsFileUnwritable' });
  });
});
