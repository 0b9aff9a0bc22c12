import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dev, type DevHandle } from '../../src/dev/index.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
import { devPlaygrounds, serve, type DevPlaygrounds, type ServeHandle } from '../../../runtime/src/index.ts';
import { fakeProvider } from '../../../runtime/test/security/fake-provider.ts';
import { rawExchange, statusOf, upgradeRequest } from '../../../runtime/test/security/raw-client.ts';

// The table of docs/security.md, "HTTP and WebSocket surfaces", as a test:
// every row is called as its allowed caller (served) and as each caller
// its rule forbids (refused). Real servers on loopback, raw HTTP so that
// Host and Origin are exactly what a hostile page's browser would send;
// fake machines (the limits have their own tests under test/security/).
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../../..');
const fixture = path.join(repo, 'packages/runtime/test/server/fixtures/content');
const SITE = 'https://labs.example.com';
const EVIL = 'https://evil.example';

interface Row {
  route: string;
  method: string;
  who: string;
}

/** The rows of the table under `heading` in docs/security.md. */
function tableRows(doc: string, heading: string): Row[] {
  const start = doc.indexOf(heading);
  expect(start, `docs/security.md has no "${heading}"`).toBeGreaterThan(-1);
  const rest = doc.slice(start + heading.length);
  const end = rest.search(/^#{1,3} /m);
  const rows: Row[] = [];
  for (const line of (end === -1 ? rest : rest.slice(0, end)).split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length < 4 || cells[0] === 'Route' || /^-+$/.test(cells[0]!)) continue;
    rows.push({ route: cells[0]!.replace(/`/g, ''), method: cells[1]!, who: cells[2]! });
  }
  return rows;
}

interface Call {
  method: string;
  path: string;
  host?: string;
  origin?: string;
  secret?: string;
  body?: string;
  ws?: boolean;
}

let work: string;
let served: ServeHandle;
let devHandle: DevHandle;
let devPg: DevPlaygrounds;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'lab-surfaces-'));
  await cp(fixture, work, { recursive: true });
  await mkdir(path.join(work, 'challenges/live-tasks/__static__'), { recursive: true });
  await writeFile(path.join(work, 'challenges/live-tasks/__static__/note.txt'), 'a static file\n');
  served = await serve({ dir: work, port: 0, provider: fakeProvider(), allowOrigins: [SITE], limits: { maxSessionsPerClient: 0, maxSessions: 100 } });
  devPg = devPlaygrounds({ dir: work, provider: fakeProvider(), limits: { maxSessions: 100 } });
  devHandle = await dev({ dir: work, port: 0, output: false, mount: playgroundDevMount(devPg) });
}, 60_000);

afterAll(async () => {
  await served?.close();
  await devHandle?.close();
  await devPg?.close();
  await rm(work, { recursive: true, force: true });
});

/** One raw request (or WebSocket upgrade); the status it got (101: the socket opened). */
async function call(port: number, c: Call): Promise<number> {
  const headers: Record<string, string> = { host: c.host ?? `127.0.0.1:${port}` };
  if (c.origin) headers['origin'] = c.origin;
  if (c.secret && !c.ws) headers['x-lab-secret'] = c.secret;
  if (c.ws) {
    const target = c.secret ? `${c.path}${c.path.includes('?') ? '&' : '?'}lk_secret=${c.secret}` : c.path;
    return statusOf(await rawExchange(port, upgradeRequest(target, headers), 500));
  }
  const body = c.body ?? '';
  Object.assign(headers, { connection: 'close', 'content-length': String(Buffer.byteLength(body)), ...(body ? { 'content-type': 'application/json' } : {}) });
  return statusOf(await rawExchange(port, `${c.method} ${c.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`, 5_000, '127.0.0.1', c.path.startsWith('/__lab/events')));
}

const item = JSON.stringify({ item: 'challenge:live-tasks' });
const answer = JSON.stringify({ task: 'verify_answer', value: '42' });
const GUESS = 'A'.repeat(43);

/** A running session of the given server (a fresh one per use: rows stop and restart them). */
async function running(server: 'serve' | 'dev'): Promise<string> {
  const port = server === 'serve' ? served.port : devHandle.port;
  const prefix = server === 'serve' ? '/' : '/__lab/runtime/';
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(server === 'dev' ? { origin: `http://127.0.0.1:${port}`, 'x-lab-secret': devHandle.secret } : { origin: SITE }) };
  const r = await fetch(`http://127.0.0.1:${port}${prefix}sessions`, { method: 'POST', headers, body: item });
  expect(r.status).toBe(201);
  const { token } = (await r.json()) as { token: string };
  await expect.poll(async () => ((await (await fetch(`http://127.0.0.1:${port}${prefix}sessions/${token}`)).json()) as { state: string }).state).toBe('running');
  return token;
}

/**
 * What each row needs: the call its allowed caller makes (with `token` in
 * place of a real session token) and the status that caller gets.
 */
interface Case {
  call: (token: string) => Call;
  ok: number;
}

const serveCases: Record<string, Case> = {
  'GET health': { call: () => ({ method: 'GET', path: '/health' }), ok: 200 },
  'GET metrics': { call: () => ({ method: 'GET', path: '/metrics' }), ok: 200 },
  'GET items/:id': { call: () => ({ method: 'GET', path: '/items/challenge:live-tasks' }), ok: 200 },
  'POST sessions': { call: () => ({ method: 'POST', path: '/sessions', body: item }), ok: 201 },
  'GET sessions/:token': { call: (t) => ({ method: 'GET', path: `/sessions/${t}` }), ok: 200 },
  'DELETE sessions/:token': { call: (t) => ({ method: 'DELETE', path: `/sessions/${t}` }), ok: 200 },
  'POST sessions/:token/stop': { call: (t) => ({ method: 'POST', path: `/sessions/${t}/stop` }), ok: 200 },
  'POST sessions/:token/restart': { call: (t) => ({ method: 'POST', path: `/sessions/${t}/restart` }), ok: 202 },
  'POST sessions/:token/input': { call: (t) => ({ method: 'POST', path: `/sessions/${t}/input`, body: answer }), ok: 200 },
  'WS sessions/:token/events': { call: (t) => ({ method: 'GET', path: `/sessions/${t}/events`, ws: true }), ok: 101 },
  'WS sessions/:token/terminal/:machine': { call: (t) => ({ method: 'GET', path: `/sessions/${t}/terminal/busybox`, ws: true }), ok: 101 },
  'OPTIONS any path': { call: () => ({ method: 'OPTIONS', path: '/sessions' }), ok: 204 },
  'any any other path': { call: () => ({ method: 'GET', path: '/nothing/here' }), ok: 404 },
};

const RT = '/__lab/runtime/';
const devCases: Record<string, Case> = {
  'GET, HEAD /<page>': { call: () => ({ method: 'GET', path: '/challenges/live-tasks/' }), ok: 200 },
  'other /<page>': { call: () => ({ method: 'PUT', path: '/challenges/live-tasks/' }), ok: 405 },
  'GET /__lab/client.js': { call: () => ({ method: 'GET', path: '/__lab/client.js' }), ok: 200 },
  'GET /__lab/events': { call: () => ({ method: 'GET', path: '/__lab/events?path=/&v=1' }), ok: 200 },
  'GET /<path>/__static__/<file>': { call: () => ({ method: 'GET', path: '/challenges/live-tasks/__static__/note.txt' }), ok: 200 },
  'GET /__lab/playground/<file>': { call: () => ({ method: 'GET', path: '/__lab/playground/playground.js' }), ok: 200 },
  'GET /__lab/runtime/health': { call: () => ({ method: 'GET', path: `${RT}health` }), ok: 200 },
  'GET /__lab/runtime/metrics': { call: () => ({ method: 'GET', path: `${RT}metrics` }), ok: 200 },
  'GET /__lab/runtime/items/:id': { call: () => ({ method: 'GET', path: `${RT}items/challenge:live-tasks` }), ok: 200 },
  'POST /__lab/runtime/sessions': { call: () => ({ method: 'POST', path: `${RT}sessions`, body: item }), ok: 201 },
  'GET /__lab/runtime/sessions/:token': { call: (t) => ({ method: 'GET', path: `${RT}sessions/${t}` }), ok: 200 },
  'DELETE /__lab/runtime/sessions/:token': { call: (t) => ({ method: 'DELETE', path: `${RT}sessions/${t}` }), ok: 200 },
  'POST /__lab/runtime/sessions/:token/stop': { call: (t) => ({ method: 'POST', path: `${RT}sessions/${t}/stop` }), ok: 200 },
  'POST /__lab/runtime/sessions/:token/restart': { call: (t) => ({ method: 'POST', path: `${RT}sessions/${t}/restart` }), ok: 202 },
  'POST /__lab/runtime/sessions/:token/input': { call: (t) => ({ method: 'POST', path: `${RT}sessions/${t}/input`, body: answer }), ok: 200 },
  'WS /__lab/runtime/sessions/:token/events': { call: (t) => ({ method: 'GET', path: `${RT}sessions/${t}/events`, ws: true }), ok: 101 },
  'WS /__lab/runtime/sessions/:token/terminal/:machine': { call: (t) => ({ method: 'GET', path: `${RT}sessions/${t}/terminal/busybox`, ws: true }), ok: 101 },
  'OPTIONS any path': { call: () => ({ method: 'OPTIONS', path: `${RT}sessions` }), ok: 204 },
};

const doc = await readFile(path.join(repo, 'docs/security.md'), 'utf8');
const serveRows = tableRows(doc, '### `lab serve`');
const devRows = tableRows(doc, '### `lab dev`');
const keyOf = (r: Row) => `${r.method} ${r.route}`;

describe('docs/security.md lists exactly the routes this test covers', () => {
  it('lab serve', () => expect(serveRows.map(keyOf).sort()).toEqual(Object.keys(serveCases).sort()));
  it('lab dev', () => expect(devRows.map(keyOf).sort()).toEqual(Object.keys(devCases).sort()));
});

describe('lab serve (--allow-origin https://labs.example.com): each row refuses what its rule forbids', () => {
  for (const row of serveRows) {
    const c = serveCases[keyOf(row)];
    if (!c) continue;
    const needsToken = row.who.includes('token');
    it(`${row.method} ${row.route}: ${row.who || 'anyone'}`, async () => {
      const port = served.port;
      const token = needsToken ? await running('serve') : '';
      if (row.who.includes('Origin')) expect(await call(port, { ...c.call(token), origin: EVIL }), 'an origin not on the list').toBe(403);
      if (needsToken) expect(await call(port, { ...c.call(GUESS), origin: SITE }), 'a guessed token').toBe(404);
      expect(await call(port, { ...c.call(token), origin: SITE }), 'the allowed caller').toBe(c.ok);
    });
  }
});

describe('lab dev: each row refuses what its rule forbids', () => {
  for (const row of devRows) {
    const c = devCases[keyOf(row)];
    if (!c) continue;
    const needsToken = row.who.includes('token');
    const needsSecret = row.who.includes('secret');
    it(`${row.method} ${row.route}: ${row.who}`, async () => {
      const port = devHandle.port;
      const own = `127.0.0.1:${port}`;
      const secret = devHandle.secret;
      const token = needsToken ? await running('dev') : '';
      const allowed: Partial<Call> = { origin: `http://${own}`, ...(needsSecret ? { secret } : {}) };
      // Host: a DNS-rebound name, even with everything else right.
      expect(await call(port, { ...c.call(token), ...allowed, host: `evil.example:${port}`, origin: `http://evil.example:${port}` }), 'a rebound Host').toBe(403);
      // Origin: another site's page.
      expect(await call(port, { ...c.call(token), ...allowed, origin: EVIL }), 'another origin').toBe(403);
      if (needsSecret) {
        expect(await call(port, { ...c.call(token), origin: `http://${own}` }), 'no secret').toBe(403);
        expect(await call(port, { ...c.call(token), origin: `http://${own}`, secret: secret.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')) }), 'a wrong secret').toBe(403);
      }
      if (needsToken) expect(await call(port, { ...c.call(GUESS), ...allowed }), 'a guessed token').toBe(404);
      expect(await call(port, { ...c.call(token), ...allowed }), 'the preview\'s own page').toBe(c.ok);
    });
  }
});
