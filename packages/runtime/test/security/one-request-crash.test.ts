import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { rawExchange, resetDuringUpgrade, sendUnmaskedFrame, startChild, statusOf, upgradeRequest, type Child } from './raw-client.ts';

// Finding 2 of issue 11: one request must never kill `lab serve`. The server
// runs in a child process (serve() as the CLI calls it, fake machines) so a
// crash is a dead process, not an error vitest swallows. A dead one is
// replaced before the next attack, so each attack is judged on its own.
const here = path.dirname(fileURLToPath(import.meta.url));
let child: Child;

beforeEach(async () => {
  if (child?.alive()) return;
  await child?.stop();
  // Each attack opens its own session: no per-client limit in the way.
  child = await startChild([path.join(here, 'fixtures/fake-serve.ts'), JSON.stringify({ limits: { maxSessionsPerClient: 0 } })]);
}, 60_000);

afterAll(async () => {
  await child?.stop();
});

async function stillServing(): Promise<void> {
  expect(child.alive(), `lab serve died: ${child.stderr()}`).toBe(true);
  const res = await fetch(`${child.url}health`);
  expect(res.status).toBe(200);
}

async function session(): Promise<string> {
  const res = await fetch(`${child.url}sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'challenge:live-tasks' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** A short message, never a stack or a JavaScript error text. */
function expectShort(body: string): void {
  expect(body.length).toBeLessThan(300);
  expect(body).not.toMatch(/at .*\.ts:\d+|TypeError|Cannot read|URI malformed|Invalid URL/);
}

describe('lab serve survives one bad request', () => {
  it('an Upgrade request with an invalid URL gets 400', async () => {
    const reply = await rawExchange(child.port, upgradeRequest('http://[/'));
    expect(statusOf(reply)).toBe(400);
    await stillServing();
  });

  it('a terminal path with a bad % escape gets 400', async () => {
    const token = await session();
    const reply = await rawExchange(child.port, upgradeRequest(`/sessions/${token}/terminal/%E0%A4%A`));
    expect(statusOf(reply)).toBe(400);
    await stillServing();
  });

  it('an unmasked frame from a client closes that socket only', async () => {
    const token = await session();
    await sendUnmaskedFrame(child.port, `/sessions/${token}/events`);
    await stillServing();
  });

  it('an unmasked frame on a terminal socket closes that socket only', async () => {
    const token = await session();
    await sendUnmaskedFrame(child.port, `/sessions/${token}/terminal/busybox`);
    await stillServing();
  });

  it('a client that resets its socket during a refused upgrade leaves the server up', async () => {
    await resetDuringUpgrade(child.port, upgradeRequest('/sessions/nope/events'));
    await stillServing();
  });

  it('null and non-object JSON bodies get 400 with a short message', async () => {
    const token = await session();
    for (const [route, body] of [['sessions', 'null'], ['sessions', '7'], ['sessions', '"x"'], [`sessions/${token}/input`, 'null'], [`sessions/${token}/input`, '[]']] as const) {
      const res = await fetch(`${child.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      expect(res.status, `${route} ${body}: ${text}`).toBe(400);
      expectShort(text);
    }
    await stillServing();
  });

  it('bad escapes and invalid URLs on HTTP routes get 400 with a short message', async () => {
    for (const target of ['/items/%E0%A4%A', '/items/%', 'http://[/']) {
      const reply = await rawExchange(child.port, `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`);
      expect(statusOf(reply), `${target}: ${reply}`).toBe(400);
      expectShort(reply.slice(reply.indexOf('\r\n\r\n') + 4));
    }
    await stillServing();
  });
});
