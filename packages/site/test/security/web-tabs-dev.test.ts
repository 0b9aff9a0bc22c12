import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
import { devPlaygrounds, playgroundOf, type DevPlaygrounds } from '../../../runtime/src/index.ts';
import { PortMachine } from '../../../runtime/test/security/port-machine.ts';

// Web tabs inside `lab dev`: the proxy's paths authenticate with the session
// cookie (a guest's pages cannot carry the preview's secret), while the
// preview's Host and Origin rules still hold there, and every other path
// still wants the secret. Guest port 8080 is a loopback server here (the
// real VM runs in web-tabs-browser.test.ts).
const fixture = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/web-tabs');
let guest: Server;
let handle: DevHandle;
let pg: DevPlaygrounds;

beforeAll(async () => {
  guest = createServer((req, res) => res.end(`guest ${req.method} ${req.url}`));
  const port = await new Promise<number>((r) => guest.listen(0, '127.0.0.1', () => r((guest.address() as AddressInfo).port)));
  pg = devPlaygrounds({ dir: fixture, provider: { name: 'ports', provision: async () => playgroundOf([new PortMachine('busybox', new Map([[8080, port]]))]) } });
  handle = await dev({ dir: fixture, port: 0, output: false, mount: playgroundDevMount(pg) });
}, 60_000);

afterAll(async () => {
  await handle?.close();
  await pg?.close();
  guest.closeAllConnections();
  await new Promise<void>((r) => guest.close(() => r()));
});

function raw(method: string, target: string, headers: Record<string, string>, body = ''): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: handle.port, path: target, method, headers: { host: `127.0.0.1:${handle.port}`, 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('web tabs in lab dev', () => {
  it('the tab works without the preview secret but with the cookie; Host and Origin rules still apply', async () => {
    const own = `http://127.0.0.1:${handle.port}`;
    const started = await fetch(`${own}/__lab/runtime/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', origin: own, 'x-lab-secret': handle.secret }, body: JSON.stringify({ item: 'tutorial:web-tabs' }) });
    expect(started.status).toBe(201);
    const { token, webId } = (await started.json()) as { token: string; webId: string };
    await expect.poll(async () => ((await (await fetch(`${own}/__lab/runtime/sessions/${token}`)).json()) as { state: string }).state).toBe('running');
    const info = (await (await fetch(`${own}/__lab/runtime/items/tutorial:web-tabs`)).json()) as { webTabs: Array<{ kind: string; port: number; declared: boolean }> };
    expect(info.webTabs.map((t) => [t.kind, t.port, t.declared])).toEqual([['http-port', 8080, true], ['ide', 41780, true]]);

    // The form POST from the preview's own page: no secret (a form cannot send the header), the token in the body.
    const form = new URLSearchParams({ token, machine: 'busybox', port: '8080' }).toString();
    const auth = await raw('POST', `/__lab/runtime/web/${webId}/__auth`, { origin: own, 'content-type': 'application/x-www-form-urlencoded' }, form);
    expect(auth.status).toBe(303);
    const cookie = String(auth.headers['set-cookie']).split(';')[0]!;
    expect(String(auth.headers['set-cookie'])).toContain(`Path=/__lab/runtime/web/${webId}/`);
    const tab = `/__lab/runtime/web/${webId}/busybox/8080/`;
    expect(auth.headers['location']).toBe(tab);
    // A guest page's own form POST: same origin, cookie, no secret.
    const post = await raw('POST', `${tab}save`, { origin: own, cookie }, 'x=1');
    expect(post).toMatchObject({ status: 200, body: 'guest POST /save' });
    // No cookie: 401; a rebound Host or another origin: the preview's own 403, even with the cookie.
    expect((await raw('GET', tab, {})).status).toBe(401);
    expect((await raw('GET', tab, { cookie, host: `evil.example:${handle.port}` })).status).toBe(403);
    expect((await raw('POST', `${tab}save`, { cookie, origin: 'https://evil.example' }, 'x=1')).status).toBe(403);
    expect((await raw('POST', `/__lab/runtime/web/${webId}/__auth`, { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, form)).status).toBe(403);
    // The exemption is the proxy's paths only: the API still wants the secret.
    expect((await raw('POST', `/__lab/runtime/sessions/${token}/stop`, { origin: own, cookie })).status).toBe(403);
    expect((await raw('POST', `/__lab/runtime/web/../sessions/${token}/stop`, { origin: own, cookie })).status).toBe(403);
  });
});
