import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PlaygroundServer, type PlaygroundItem, type ServerLimits } from '../../src/index.ts';
import { fakeProvider } from '../security/fake-provider.ts';
import { EventsClient, post } from './helpers.ts';

// Limits and queueing are bookkeeping: a fake provider makes them fast and
// exact. The same server runs real VMs in playground-server.test.ts.
const provider = fakeProvider();
const machines = provider.machines;
const item = (id: string, n = 1): PlaygroundItem => ({
  id,
  title: id,
  machines: Array.from({ length: n }, (_, i) => ({ name: `m${i}`, image: 'busybox', user: 'root', terminal: true, startupFiles: [] })),
  tasks: { verify: { run: 'false' } },
});
const items = new Map([item('challenge:one'), item('challenge:big', 3)].map((i) => [i.id, i]));

let http: Server | undefined;
let pg: PlaygroundServer | undefined;

async function start(limits: ServerLimits): Promise<string> {
  pg = new PlaygroundServer({ catalog: { get: async (id) => items.get(id) }, provider, limits, sweepIntervalMs: 50 });
  http = createServer((req, res) => void pg!.handle(req, res));
  http.on('upgrade', (req, socket, head) => pg!.upgrade(req, socket, head));
  await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
}

afterEach(async () => {
  await pg?.close();
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  machines.length = 0;
});

describe('PlaygroundServer limits', () => {
  it('queues past the global limit, answers an honest busy past the queue, and starts the next when a slot frees', async () => {
    const base = await start({ maxSessions: 1, maxQueue: 1 });
    const a = await post(`${base}sessions`, { item: 'challenge:one' });
    expect(a.status).toBe(201);
    const b = await post(`${base}sessions`, { item: 'challenge:one' });
    expect(b.status).toBe(202);
    expect(b.body.position).toBe(1);
    const res = await fetch(`${base}sessions`, { method: 'POST', body: JSON.stringify({ item: 'challenge:one' }) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(((await res.json()) as { message: string }).message).toMatch(/All 1 playground slots are in use and 1 learners are waiting/);
    const events = new EventsClient(`${base.replace('http', 'ws')}sessions/${b.body.token}/events`);
    await events.opened;
    await events.waitFor((m) => m.type === 'snapshot' && m.state === 'queued');
    await post(`${base}sessions/${a.body.token}/stop`);
    await events.waitFor((m) => m.type === 'session' && m.state === 'running', 5_000);
    expect(machines.filter((m) => !m.disposed)).toHaveLength(1);
    expect(await (await fetch(`${base}metrics`)).text()).toMatch(/labkit_sessions_rejected_total\{reason="busy"\} 1/);
    events.close();
  });

  it('limits the sessions one client address holds (429), counting what it stopped', async () => {
    const base = await start({ maxSessionsPerClient: 2 });
    const a = await post(`${base}sessions`, { item: 'challenge:one' });
    expect((await post(`${base}sessions`, { item: 'challenge:one' })).status).toBe(201);
    const third = await post(`${base}sessions`, { item: 'challenge:one' });
    expect(third.status).toBe(429);
    expect(third.body.error).toMatch(/already holds 2/);
    await post(`${base}sessions/${a.body.token}/stop`);
    expect((await post(`${base}sessions`, { item: 'challenge:one' })).status).toBe(201);
  });

  it('refuses playgrounds with more machines than a session may run', async () => {
    const base = await start({ maxMachinesPerSession: 2 });
    const r = await post(`${base}sessions`, { item: 'challenge:big' });
    expect(r.status).toBe(422);
    expect(machines).toHaveLength(0);
  });

  it('stops idle sessions, expired ones and ones whose tab is gone, freeing their machines', async () => {
    let base = await start({ idleTimeoutMs: 300, disconnectGraceMs: 60_000 });
    const idle = await post(`${base}sessions`, { item: 'challenge:one' });
    const events = new EventsClient(`${base.replace('http', 'ws')}sessions/${idle.body.token}/events`);
    await events.opened;
    const stopped = await events.waitFor((m) => m.type === 'session' && m.state === 'stopped', 5_000);
    expect(stopped.detail).toMatch(/idle/);
    expect(machines.every((m) => m.disposed)).toBe(true);
    expect(pg!.health().sessions).toBe(0);
    await pg!.close();
    http!.closeAllConnections();
    await new Promise((resolve) => http!.close(resolve));

    base = await start({ sessionLifetimeMs: 300 });
    await post(`${base}sessions`, { item: 'challenge:one' });
    await expect.poll(() => pg!.health().sessions, { timeout: 5_000 }).toBe(0);
    expect(machines.every((m) => m.disposed)).toBe(true);
    await pg!.close();
    http!.closeAllConnections();
    await new Promise((resolve) => http!.close(resolve));

    base = await start({ disconnectGraceMs: 300 });
    const closedTab = await post(`${base}sessions`, { item: 'challenge:one' });
    const tab = new EventsClient(`${base.replace('http', 'ws')}sessions/${closedTab.body.token}/events`);
    await tab.opened;
    await new Promise((r) => setTimeout(r, 600));
    expect(pg!.health().sessions).toBe(1); // a tab is open: kept
    tab.close();
    await expect.poll(() => pg!.health().sessions, { timeout: 5_000 }).toBe(0);
    expect(machines.every((m) => m.disposed)).toBe(true);
    expect(await pg!.metrics()).toMatch(/labkit_sessions_stopped_total\{reason="disconnected"\} 1/);
  });

  it('refuses WebSockets from origins it was not told to allow', async () => {
    pg = new PlaygroundServer({ catalog: { get: async (id) => items.get(id) }, provider, allowOrigins: ['https://labs.example.com'] });
    http = createServer((req, res) => void pg!.handle(req, res));
    http.on('upgrade', (req, socket, head) => pg!.upgrade(req, socket, head));
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
    const s = await post(`${base}sessions`, { item: 'challenge:one' });
    const { default: WebSocket } = await import('ws');
    const evil = new WebSocket(`${base.replace('http', 'ws')}sessions/${s.body.token}/events`, { origin: 'https://evil.example' });
    await expect(new Promise((resolve, reject) => { evil.once('open', resolve); evil.once('unexpected-response', (_q, r) => reject(new Error(String(r.statusCode)))); })).rejects.toThrow('403');
    const good = new WebSocket(`${base.replace('http', 'ws')}sessions/${s.body.token}/events`, { origin: 'https://labs.example.com' });
    await new Promise((resolve) => good.once('open', resolve));
    good.close();
  });
});
