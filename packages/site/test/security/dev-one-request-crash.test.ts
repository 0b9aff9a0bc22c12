import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { rawExchange, resetDuringUpgrade, sendUnmaskedFrame, startChild, statusOf, upgradeRequest, type Child } from '../../../runtime/test/security/raw-client.ts';

// Finding 2 of issue 11, for `lab dev`: one request must never kill the
// preview. It runs in a child process (a crash is a dead process); a dead
// one is replaced before the next attack, so each attack is judged alone.
const here = path.dirname(fileURLToPath(import.meta.url));
const RT = '/__lab/runtime/';
let child: Child;
let secret = '';

beforeEach(async () => {
  if (child?.alive()) return;
  await child?.stop();
  child = await startChild([path.join(here, 'fixtures/fake-dev.ts')]);
  secret = /^secret (\S+)$/m.exec(child.stdout())?.[1] ?? '';
}, 60_000);

afterAll(async () => {
  await child?.stop();
});

const headers = () => ({ host: `127.0.0.1:${child.port}`, origin: `http://127.0.0.1:${child.port}`, 'x-lab-secret': secret });
const withSecret = (p: string) => (secret ? `${p}${p.includes('?') ? '&' : '?'}lk_secret=${secret}` : p);

async function stillServing(): Promise<void> {
  expect(child.alive(), `lab dev died: ${child.stderr()}`).toBe(true);
  const res = await fetch(`${child.url}${RT.slice(1)}health`);
  expect(res.status).toBe(200);
}

async function session(): Promise<string> {
  const res = await fetch(`${child.url}${RT.slice(1)}sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers() }, body: JSON.stringify({ item: 'challenge:live-tasks' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

function expectShort(body: string): void {
  expect(body.length).toBeLessThan(300);
  expect(body).not.toMatch(/at .*\.ts:\d+|TypeError|Cannot read|URI malformed|Invalid URL/);
}

describe('lab dev survives one bad request', () => {
  it('an Upgrade request with an invalid URL gets 400', async () => {
    const reply = await rawExchange(child.port, upgradeRequest('http://[/', headers()));
    expect(statusOf(reply)).toBe(400);
    await stillServing();
  });

  it('a terminal path with a bad % escape gets 400', async () => {
    const token = await session();
    const reply = await rawExchange(child.port, upgradeRequest(withSecret(`${RT}sessions/${token}/terminal/%E0%A4%A`), headers()));
    expect(statusOf(reply)).toBe(400);
    await stillServing();
  });

  it('an unmasked frame from a client closes that socket only', async () => {
    const token = await session();
    await sendUnmaskedFrame(child.port, withSecret(`${RT}sessions/${token}/terminal/busybox`), headers());
    await stillServing();
  });

  it('a client that resets its socket during a refused upgrade leaves the preview up', async () => {
    await resetDuringUpgrade(child.port, upgradeRequest(`${RT}sessions/nope/events`, headers()));
    await stillServing();
  });

  it('null JSON bodies get 400 with a short message', async () => {
    const res = await fetch(`${child.url}${RT.slice(1)}sessions`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers() }, body: 'null' });
    const text = await res.text();
    expect(res.status, text).toBe(400);
    expectShort(text);
    await stillServing();
  });

  it('bad escapes and invalid URLs on HTTP routes get 400 or 404 with a short message, never 500', async () => {
    for (const target of [`${RT}items/%E0%A4%A`, 'http://[/', '/__lab/playground/%E0%A4%A', '/challenges/%E0%A4%A/', '/x/__static__/%E0%A4%A']) {
      const reply = await rawExchange(child.port, `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1:${child.port}\r\nconnection: close\r\n\r\n`);
      expect([400, 404], `${target}: ${reply.slice(0, 300)}`).toContain(statusOf(reply));
      expectShort(reply.slice(reply.indexOf('\r\n\r\n') + 4).slice(0, 2000).replace(/<[^]*$/, ''));
    }
    await stillServing();
  });
});
