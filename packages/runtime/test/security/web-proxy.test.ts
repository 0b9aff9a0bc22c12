import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PlaygroundServer, playgroundOf, type Provider } from '../../src/index.ts';
import type { PlaygroundItem } from '../../src/server/catalog.ts';
import { PortMachine } from './port-machine.ts';
import { rawExchange, statusOf, upgradeRequest } from './raw-client.ts';

/**
 * The web tab proxy under attack, on real HTTP over loopback. The machines
 * are fakes whose `spawn` does what the guest's `nc 127.0.0.1 <port>` does,
 * to real loopback servers standing in for the guest's ports (the real VM
 * path is the browser test in packages/site/test/playground/web-tabs-browser.test.ts).
 * Port 8080 is declared by the content; 9090 is a service the content never
 * declared, and must stay out of reach.
 */

let upstream: Server;
let hidden: Server;
let wss: WebSocketServer;
let seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }>;
let hiddenHits: number;
let machine: PortMachine;
let server: PlaygroundServer;
let front: Server;
let base: string;
let port: number;

const item: PlaygroundItem = {
  id: 'tutorial:web',
  title: 'Web',
  machines: [{ name: 'm', user: 'root', terminal: true, startupFiles: [] }],
  tasks: {},
  webTabs: [{ kind: 'http-port', title: 'App', machine: 'm', port: 8080, declared: true }],
};

const listen = (s: Server) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));

async function startFront(limits: ConstructorParameters<typeof PlaygroundServer>[0]['webLimits'] = {}): Promise<void> {
  const provider: Provider = { name: 'ports', provision: async () => playgroundOf([machine]) };
  server = new PlaygroundServer({ catalog: { get: async (id) => (id === item.id ? item : undefined) }, provider, webLimits: limits });
  front = createServer((req, res) => void server.handle(req, res).then((ok) => ok || res.writeHead(404).end()));
  front.on('upgrade', (req, socket, head) => server.upgrade(req, socket, head) || socket.destroy());
  port = await listen(front);
  base = `http://127.0.0.1:${port}/`;
}

beforeEach(async () => {
  seen = [];
  hiddenHits = 0;
  upstream = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/slow') return void setTimeout(() => res.end('slow'), 1_500);
      if (req.url === '/cookie') {
        res.setHeader('set-cookie', ['a=1; Path=/; Domain=example.com; HttpOnly', 'lk_web=forged; Path=/']);
        return void res.end('cookie');
      }
      if (req.url === '/moved') return void res.writeHead(302, { location: '/elsewhere' }).end();
      res.writeHead(200, { 'content-type': 'text/html', 'keep-alive': 'timeout=77', connection: 'x-private-hop, close', 'x-private-hop': 'secret', 'clear-site-data': '"storage"', 'service-worker-allowed': '/', 'strict-transport-security': 'max-age=31536000' }).end(`<h1>guest page ${req.url}</h1>`);
    });
  });
  wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws) => ws.on('message', (m) => ws.send(`echo:${String(m)}`)));
  hidden = createServer((_req, res) => {
    hiddenHits++;
    res.end('HIDDEN SERVICE');
  });
  machine = new PortMachine('m', new Map([[8080, await listen(upstream)], [9090, await listen(hidden)]]));
});

afterEach(async () => {
  await server?.close();
  await new Promise<void>((r) => front?.close(() => r()) ?? r());
  front?.closeAllConnections();
  for (const c of wss.clients) c.terminate();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
  await new Promise<void>((r) => hidden.close(() => r()));
});

async function session(): Promise<{ token: string; webId: string }> {
  const r = await fetch(`${base}sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: item.id }) });
  expect(r.status).toBe(201);
  const body = (await r.json()) as { token: string; webId: string };
  for (let i = 0; i < 100 && server.sessions[0]?.state !== 'running'; i++) await new Promise((res) => setTimeout(res, 20));
  return body;
}

/** The tab's cookie, as the browser gets it from the form POST. */
async function login(s: { token: string; webId: string }): Promise<{ cookie: string; location: string; setCookie: string }> {
  const r = await fetch(`${base}web/${s.webId}/__auth`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: s.token, machine: 'm', port: '8080' }).toString() });
  expect(r.status).toBe(303);
  const setCookie = r.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, location: r.headers.get('location') ?? '', setCookie };
}

/** A GET with exactly these headers (fetch would normalise the path and set Host itself). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web tabs: the authenticated proxy', () => {
  it('opens a declared tab with the session cookie: path-scoped, HttpOnly, no token in the URL; hop-by-hop headers stripped both ways', async () => {
    await startFront();
    const s = await session();
    const { cookie, location, setCookie } = await login(s);
    expect(location).toBe(`/web/${s.webId}/m/8080/`);
    expect(location).not.toContain(s.token);
    expect(setCookie).toContain(`Path=/web/${s.webId}/`);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const r = await rawGet(`${location}index.html?x=1`, { cookie: `${cookie}; theirs=1`, connection: 'keep-alive, x-hop-out', 'x-hop-out': '1', 'proxy-authorization': 'Basic x', te: 'trailers' });
    expect(r.body).toBe('<h1>guest page /index.html?x=1</h1>');
    expect(r.status).toBe(200);
    const got = seen.at(-1)!;
    expect(got.headers.host).toBe('localhost:8080');
    expect(got.headers.cookie).toBe('theirs=1'); // the session token never reaches the guest
    expect(got.headers['x-hop-out']).toBeUndefined();
    expect(got.headers['proxy-authorization']).toBeUndefined();
    expect(got.headers.te).toBeUndefined();
    expect(r.headers['x-private-hop']).toBeUndefined();
    // Nothing that acts on the whole origin (the preview's, in lab dev).
    expect(r.headers['clear-site-data']).toBeUndefined();
    expect(r.headers['service-worker-allowed']).toBeUndefined();
    expect(r.headers['strict-transport-security']).toBeUndefined();
    expect(r.headers['keep-alive']).not.toBe('timeout=77'); // (our own hop may add its own)
  });

  it('refuses a request without the cookie (401), with a wrong one, or with another session\'s', async () => {
    await startFront({ connectionsPerSession: 8 });
    const a = await session();
    const path = `/web/${a.webId}/m/8080/`;
    expect((await rawGet(path, {})).status).toBe(401);
    expect((await rawGet(path, { cookie: 'lk_web=guess' })).status).toBe(401);
    // The form POST wants the token too.
    const bad = await fetch(`${base}web/${a.webId}/__auth`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: 'nope', machine: 'm', port: '8080' }) });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    expect(seen).toHaveLength(0);
  });

  it('refuses a port the content does not declare, even with a valid cookie, without touching it', async () => {
    await startFront();
    const s = await session();
    const { cookie } = await login(s);
    const r = await rawGet(`/web/${s.webId}/m/9090/`, { cookie });
    expect(r.status).toBe(403);
    expect(r.body).not.toContain('HIDDEN');
    // Nor can the form POST name one.
    const f = await fetch(`${base}web/${s.webId}/__auth`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: s.token, machine: 'm', port: '9090' }) });
    expect(f.status).toBe(403);
    expect(hiddenHits).toBe(0);
    expect(machine.contacted).not.toContain(9090);
  });

  it('refuses other Host names (DNS rebinding) and other origins', async () => {
    await startFront();
    const s = await session();
    const { cookie, location } = await login(s);
    expect((await rawGet(location, { cookie, host: `rebind.attacker.example:${port}` })).status).toBe(403);
    expect((await rawGet(location, { cookie, origin: 'http://rebind.attacker.example' })).status).toBe(403);
    expect((await rawGet(location, { cookie, origin: `http://127.0.0.1:${port}` })).status).toBe(200); // the tab's own pages
    expect(statusOf(await rawExchange(port, upgradeRequest(location, { cookie, host: 'evil.example' })))).toBe(403);
    expect(seen).toHaveLength(1);
  });

  it('path traversal in the tab path never reaches another port, tab or session', async () => {
    await startFront();
    const s = await session();
    const { cookie } = await login(s);
    const attempts = [
      `/web/${s.webId}/m/8080/../9090/`,
      `/web/${s.webId}/m/8080/%2e%2e/9090/`,
      `/web/${s.webId}/m/8080/.%2E/9090/`,
      `/web/${s.webId}/m/8080/..%2f9090/`,
      `/web/${s.webId}/m/8080/%2e%2e%2f%2e%2e%2fetc/passwd`,
      `/web/${s.webId}/m/8080/..%5c..%5cetc/passwd`,
      `/web/${s.webId}/m%2f..%2fm/9090/`,
      `/web/${s.webId}/m/8080/%00`,
      `/web/${s.webId}/m/8080/%E0%A4%A`,
    ];
    for (const a of attempts) {
      const r = await rawGet(a, { cookie });
      expect(r.status, a).toBe(400);
    }
    expect(hiddenHits).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it('caps request bodies (413) and connections per session (503)', async () => {
    await startFront({ maxRequestBytes: 1024, connectionsPerSession: 2 });
    const s = await session();
    const { cookie, location } = await login(s);
    const big = await fetch(`${base}${location.slice(1)}upload`, { method: 'POST', headers: { cookie }, body: 'x'.repeat(4096) });
    expect(big.status).toBe(413);
    // Streamed without a length: cut at the cap too.
    const chunked = await fetch(`${base}${location.slice(1)}upload`, { method: 'POST', headers: { cookie }, body: new ReadableStream({ start(c) { for (let i = 0; i < 8; i++) c.enqueue(new TextEncoder().encode('y'.repeat(512))); c.close(); } }), duplex: 'half' } as RequestInit).catch(() => undefined);
    expect(chunked === undefined || chunked.status === 413).toBe(true);
    expect(seen.some((x) => x.body.length > 1024)).toBe(false);
    const slow = [rawGet(`${location}slow`, { cookie }), rawGet(`${location}slow`, { cookie })];
    await new Promise((r) => setTimeout(r, 300));
    const third = await rawGet(`${location}page`, { cookie });
    expect(third.status).toBe(503);
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect((await rawGet(`${location}page`, { cookie })).status).toBe(200); // released
  });

  it("keeps a guest's cookies on its tab's path and drops a forged session cookie; rewrites its redirects under the tab", async () => {
    await startFront();
    const s = await session();
    const { cookie, location } = await login(s);
    const r = await rawGet(`${location}cookie`, { cookie });
    const set = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    expect(set).toEqual([`a=1; HttpOnly; Path=/web/${s.webId}/m/8080/`]);
    const moved = await rawGet(`${location}moved`, { cookie });
    expect(moved.headers.location).toBe(`/web/${s.webId}/m/8080/elsewhere`);
  });

  it('carries WebSockets (an IDE) with the cookie, and refuses them without', async () => {
    await startFront();
    const s = await session();
    const { cookie, location } = await login(s);
    expect(statusOf(await rawExchange(port, upgradeRequest(`${location}ws`, { host: `127.0.0.1:${port}` })))).toBe(401);
    const ws = new WebSocket(`ws://127.0.0.1:${port}${location}ws`, { headers: { cookie } });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hello'));
      ws.on('message', (m) => resolve(String(m)));
      ws.on('error', reject);
    });
    expect(reply).toBe('echo:hello');
    ws.close();
  });

  it('says plainly when nothing listens on the declared port yet (502)', async () => {
    machine = new PortMachine('m', new Map());
    await startFront();
    const s = await session();
    const { cookie, location } = await login(s);
    const r = await rawGet(location, { cookie });
    expect(r.status).toBe(502);
    expect(r.body).toContain('nothing answered on port 8080 in m');
  });
});
