import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SESSIONS_PER_CLIENT, serve, type ServeHandle, type ServeOptions } from '../../src/index.ts';
import { fakeProvider } from './fake-provider.ts';
import { rawExchange, statusOf, upgradeRequest } from './raw-client.ts';

// Finding 7 of issue 11, the `lab serve` half: --allow-origin only shaped
// the CORS reply (a page elsewhere could still POST and start machines), and
// one client could hold every slot and the whole queue by default.
const content = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server/fixtures/content');
let handle: ServeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

async function start(options: Partial<ServeOptions> = {}): Promise<string> {
  handle = await serve({ dir: content, port: 0, provider: fakeProvider(), ...options });
  return handle.url;
}

const SITE = 'https://labs.example.com';
const start201 = (base: string, headers: Record<string, string> = {}) =>
  fetch(`${base}sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ item: 'challenge:live-tasks' }) });

describe('lab serve --allow-origin refuses other origins', () => {
  it('POSTs, preflights and reads from an origin not on the list get 403, with no CORS headers', async () => {
    const base = await start({ allowOrigins: [SITE] });
    const evil = { origin: 'https://evil.example' };
    const r = await start201(base, evil);
    expect(r.status).toBe(403);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    expect(handle!.playgrounds.sessions).toHaveLength(0);
    const ok = await start201(base, { origin: SITE });
    expect(ok.status).toBe(201);
    expect(ok.headers.get('access-control-allow-origin')).toBe(SITE);
    const { token } = (await ok.json()) as { token: string };
    for (const [method, route] of [['POST', `sessions/${token}/restart`], ['POST', `sessions/${token}/stop`], ['DELETE', `sessions/${token}`], ['POST', `sessions/${token}/input`], ['GET', `sessions/${token}`], ['GET', 'items/challenge:live-tasks'], ['OPTIONS', 'sessions']] as const) {
      const res = await fetch(`${base}${route}`, { method, headers: evil });
      expect(res.status, `${method} ${route}`).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(handle!.playgrounds.sessions[0]?.state).toBe('running'); // none of those reached it
    // Not from a browser page (no Origin): not an origin question.
    expect((await start201(base)).status).toBe(201);
  });

  it('WebSockets from an origin not on the list get 403', async () => {
    const base = await start({ allowOrigins: [SITE] });
    const { token } = (await (await start201(base, { origin: SITE })).json()) as { token: string };
    const port = handle!.port;
    expect(statusOf(await rawExchange(port, upgradeRequest(`/sessions/${token}/terminal/busybox`, { origin: 'https://evil.example' })))).toBe(403);
    expect(statusOf(await rawExchange(port, upgradeRequest(`/sessions/${token}/events`, { origin: 'https://evil.example' })))).toBe(403);
    expect(statusOf(await rawExchange(port, upgradeRequest(`/sessions/${token}/events`, { origin: SITE }), 500))).toBe(101);
  });
});

describe('lab serve limits one client address by default', () => {
  it(`holds ${DEFAULT_MAX_SESSIONS_PER_CLIENT} sessions per address unless told otherwise; the next gets 429`, async () => {
    expect(DEFAULT_MAX_SESSIONS_PER_CLIENT).toBeGreaterThan(0);
    const base = await start();
    for (let i = 0; i < DEFAULT_MAX_SESSIONS_PER_CLIENT; i++) expect([201, 202]).toContain((await start201(base)).status);
    const over = await start201(base);
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: string }).error).toMatch(/already holds 3/);
  });

  it('X-Forwarded-For is ignored unless --trust-proxy (a client cannot forge its way past the limit)', async () => {
    let base = await start();
    for (let i = 0; i < DEFAULT_MAX_SESSIONS_PER_CLIENT; i++) await start201(base, { 'x-forwarded-for': `10.0.0.${i}` });
    expect((await start201(base, { 'x-forwarded-for': '10.0.0.99' })).status).toBe(429);
    await handle!.close();
    // Behind a proxy: each learner is its own client (the proxy's last hop).
    base = await start({ trustProxy: true, limits: { maxSessions: 8 } });
    for (let i = 0; i < 5; i++) expect((await start201(base, { 'x-forwarded-for': `10.0.0.${i}` })).status).toBe(201);
    for (let i = 0; i < 2; i++) await start201(base, { 'x-forwarded-for': '10.0.0.7' });
    await start201(base, { 'x-forwarded-for': '10.0.0.7' });
    expect((await start201(base, { 'x-forwarded-for': '10.0.0.7' })).status).toBe(429);
  });

  it('0 turns the per-client limit off', async () => {
    const base = await start({ limits: { maxSessionsPerClient: 0 } });
    for (let i = 0; i < DEFAULT_MAX_SESSIONS_PER_CLIENT + 2; i++) expect([201, 202]).toContain((await start201(base)).status);
  });
});
