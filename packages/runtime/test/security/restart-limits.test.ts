import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../../src/index.ts';
import { fakeProvider, type FakeProvider } from './fake-provider.ts';

// Finding 6 of issue 11: restarts (and stop-then-start churn) must not boot
// more machines than the limits allow. The real `lab serve` HTTP server on
// loopback; the machines are fakes whose boot takes 300 ms and that count
// how many boot at once, which is exactly what the limits are about.
const content = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server/fixtures/content');
let handle: ServeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

async function start(provider: FakeProvider, maxSessions = 4): Promise<string> {
  handle = await serve({ dir: content, port: 0, provider, limits: { maxSessions, maxSessionsPerClient: 0 } });
  return handle.url;
}

const post = (url: string, body?: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });

async function stateOf(base: string, token: string): Promise<string> {
  return ((await (await fetch(`${base}sessions/${token}`)).json()) as { state: string }).state;
}

async function newSession(base: string): Promise<string> {
  const r = await post(`${base}sessions`, { item: 'challenge:live-tasks' });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
}

describe('restart and churn stay within the limits', () => {
  it('30 concurrent restarts of one session boot one playground; the other 29 get 409', async () => {
    // A boot longer than the 30 requests take to arrive, even on a loaded host.
    const provider = fakeProvider(2_000);
    const base = await start(provider);
    const token = await newSession(base);
    await expect.poll(() => stateOf(base, token), { timeout: 10_000 }).toBe('running');
    provider.booting.max = 0;
    const statuses = await Promise.all(Array.from({ length: 30 }, () => post(`${base}sessions/${token}/restart`).then((r) => r.status)));
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(29);
    await expect.poll(() => stateOf(base, token), { timeout: 10_000 }).toBe('running');
    expect(provider.booting.max).toBe(1);
    expect(provider.machines).toHaveLength(2); // the first attempt and one restart
    // Once it is up again, the next restart is accepted.
    expect((await post(`${base}sessions/${token}/restart`)).status).toBe(202);
  });

  it('a restart while the first boot is in flight gets 409', async () => {
    const provider = fakeProvider(300);
    const base = await start(provider);
    const token = await newSession(base);
    expect((await post(`${base}sessions/${token}/restart`)).status).toBe(409);
    await expect.poll(() => stateOf(base, token), { timeout: 5_000 }).toBe('running');
    expect(provider.machines).toHaveLength(1);
  });

  it('the restart of a failed session needs a free slot (503 when the server is full)', async () => {
    const provider = fakeProvider(50);
    const base = await start(provider, 1);
    provider.failNext = 1;
    const failed = await newSession(base);
    await expect.poll(() => stateOf(base, failed), { timeout: 5_000 }).toBe('failed');
    const other = await newSession(base); // the failed one holds no machines: the slot is free
    await expect.poll(() => stateOf(base, other), { timeout: 5_000 }).toBe('running');
    const r = await post(`${base}sessions/${failed}/restart`);
    expect(r.status).toBe(503);
    expect(provider.machines).toHaveLength(1);
    await post(`${base}sessions/${other}/stop`);
    expect((await post(`${base}sessions/${failed}/restart`)).status).toBe(202);
    await expect.poll(() => stateOf(base, failed), { timeout: 5_000 }).toBe('running');
  });

  it('stop-then-start churn never has more machines booting than the global limit', async () => {
    const provider = fakeProvider(300);
    const base = await start(provider, 1);
    let token = await newSession(base);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) {
      // The stop is not awaited: its machines are still booting when the next session asks for a slot.
      const stopping = post(`${base}sessions/${token}/stop`);
      const next = await post(`${base}sessions`, { item: 'challenge:live-tasks' });
      starts.push(next.status);
      token = ((await next.json()) as { token: string }).token;
      await stopping;
    }
    await expect.poll(() => stateOf(base, token), { timeout: 10_000 }).toBe('running');
    expect(provider.booting.max).toBe(1);
    expect(starts.every((s) => s === 201 || s === 202)).toBe(true);
    expect(starts).toContain(202); // queued behind a stopping session's boot
  });
});
