import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
import { devPlaygrounds, type DevPlaygrounds } from '../../../runtime/src/index.ts';
import { fakeProvider } from '../../../runtime/test/security/fake-provider.ts';
import { rawExchange, statusOf, upgradeRequest } from '../../../runtime/test/security/raw-client.ts';

// Finding 7 of issue 11: `lab dev` answered any web page (CORS *), opened
// the terminal WebSocket as the learner for any origin and never looked at
// Host (DNS rebinding). The real preview on loopback, fake machines.
const content = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../runtime/test/server/fixtures/content');
let handle: DevHandle | undefined;
let playgrounds: DevPlaygrounds | undefined;

afterEach(async () => {
  await handle?.close();
  await playgrounds?.close();
  handle = undefined;
});

async function start(host?: string): Promise<{ base: string; port: number; host: string; secret: string }> {
  playgrounds = devPlaygrounds({ dir: content, provider: fakeProvider() });
  handle = await dev({ dir: content, port: 0, output: false, mount: playgroundDevMount(playgrounds), ...(host ? { host } : {}) });
  const hostPort = `${host ?? '127.0.0.1'}:${handle.port}`;
  return { base: `http://${hostPort}/`, port: handle.port, host: hostPort, secret: handle.secret };
}

/** A raw HTTP exchange, so that Host and Origin are exactly what an attacker's browser would send. */
async function request(port: number, method: string, target: string, headers: Record<string, string>, body = '', address = '127.0.0.1'): Promise<{ status: number; text: string; head: string }> {
  const all = { ...headers, 'content-length': String(Buffer.byteLength(body)), connection: 'close', ...(body ? { 'content-type': 'application/json' } : {}) };
  const reply = await rawExchange(port, `${method} ${target} HTTP/1.1\r\n${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`, 5_000, address);
  const end = reply.indexOf('\r\n\r\n');
  return { status: statusOf(reply), head: reply.slice(0, end), text: reply.slice(end + 4) };
}

const startBody = JSON.stringify({ item: 'challenge:live-tasks' });

async function openSession(s: { base: string; secret: string; host: string }): Promise<string> {
  const r = await fetch(`${s.base}__lab/runtime/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: `http://${s.host}`, 'x-lab-secret': s.secret }, body: startBody });
  expect(r.status).toBe(201);
  return ((await r.json()) as { token: string }).token;
}

/** The status a WebSocket upgrade gets (101 when it opens), sent as a browser on `origin` would. */
async function wsOutcome(port: number, host: string, target: string, origin: string): Promise<number> {
  return statusOf(await rawExchange(port, upgradeRequest(target, { host, origin }), 1_000));
}

describe('lab dev answers only its own pages', () => {
  it('a page on another origin cannot start machines (no CORS *, 403)', async () => {
    const s = await start();
    const r = await request(s.port, 'POST', '/__lab/runtime/sessions', { host: s.host, origin: 'https://evil.example', 'x-lab-secret': s.secret }, startBody);
    expect(r.status).toBe(403);
    expect(r.head.toLowerCase()).not.toContain('access-control-allow-origin');
    const pre = await request(s.port, 'OPTIONS', '/__lab/runtime/sessions', { host: s.host, origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(pre.status).toBe(403);
    expect(pre.head.toLowerCase()).not.toContain('access-control-allow-origin');
    expect(playgrounds!.server.sessions).toHaveLength(0);
  });

  it('the preview\'s own origin without the secret cannot start machines', async () => {
    const s = await start();
    const none = await request(s.port, 'POST', '/__lab/runtime/sessions', { host: s.host, origin: `http://${s.host}` }, startBody);
    expect(none.status).toBe(403);
    expect(none.text).toMatch(/secret/);
    const wrong = await request(s.port, 'POST', '/__lab/runtime/sessions', { host: s.host, origin: `http://${s.host}`, 'x-lab-secret': 'x'.repeat(s.secret.length) }, startBody);
    expect(wrong.status).toBe(403);
    expect(playgrounds!.server.sessions).toHaveLength(0);
    // With it, as the page sends it: started.
    const ok = await request(s.port, 'POST', '/__lab/runtime/sessions', { host: s.host, origin: `http://${s.host}`, 'x-lab-secret': s.secret }, startBody);
    expect(ok.status).toBe(201);
  });

  it('the secret is in the pages the preview serves, per run', async () => {
    const s = await start();
    const html = await (await fetch(`${s.base}challenges/live-tasks/`)).text();
    expect(html).toContain(`data-lab-secret="${s.secret}"`);
    expect(s.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const first = s.secret;
    await handle!.close();
    await playgrounds!.close();
    expect((await start()).secret).not.toBe(first);
  });

  it('a DNS-rebound page (Host: evil.example) gets nothing: no page, no secret, no API', async () => {
    const s = await start();
    const evilHost = `evil.example:${s.port}`;
    const page = await request(s.port, 'GET', '/challenges/live-tasks/', { host: evilHost });
    expect(page.status).toBe(403);
    expect(page.text).not.toContain(s.secret);
    const api = await request(s.port, 'POST', '/__lab/runtime/sessions', { host: evilHost, origin: `http://${evilHost}`, 'x-lab-secret': s.secret }, startBody);
    expect(api.status).toBe(403);
    const health = await request(s.port, 'GET', '/__lab/runtime/health', { host: evilHost });
    expect(health.status).toBe(403);
    for (const good of ['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST.']) {
      expect((await request(s.port, 'GET', '/__lab/runtime/health', { host: `${good}:${s.port}` })).status, good).toBe(200);
    }
  });

  it('the terminal and events WebSockets need the preview\'s origin, its Host and the secret', async () => {
    const s = await start();
    const token = await openSession(s);
    const ws = `/__lab/runtime/sessions/${token}`;
    expect(await wsOutcome(s.port, s.host, `${ws}/terminal/busybox?lk_secret=${s.secret}`, 'https://evil.example')).toBe(403);
    expect(await wsOutcome(s.port, s.host, `${ws}/events?lk_secret=${s.secret}`, 'https://evil.example')).toBe(403);
    expect(await wsOutcome(s.port, s.host, `${ws}/terminal/busybox`, `http://${s.host}`)).toBe(403);
    expect(await wsOutcome(s.port, `evil.example:${s.port}`, `${ws}/terminal/busybox?lk_secret=${s.secret}`, `http://evil.example:${s.port}`)).toBe(403);
    expect(await wsOutcome(s.port, s.host, `${ws}/terminal/busybox?lk_secret=${s.secret}`, `http://${s.host}`)).toBe(101);
  });

  it('a configured --host is accepted besides loopback; other names are not', async () => {
    const s = await start('127.0.0.2');
    const at = (host: string) => request(s.port, 'GET', '/__lab/runtime/health', { host }, '', '127.0.0.2');
    expect((await at(`127.0.0.2:${s.port}`)).status).toBe(200);
    expect((await at(`localhost:${s.port}`)).status).toBe(200);
    expect((await at(`127.0.0.3.nip.io:${s.port}`)).status).toBe(403);
  });
});
