import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../../src/index.ts';
import { CLOSE_TOO_MANY, SOCKET_LIMITS } from '../../src/server/socket-limits.ts';
import { fakeProvider } from './fake-provider.ts';

// Memory per session is bounded only if the number of sockets is: a token
// holder could otherwise open a thousand terminal sockets and make each hold
// its backlog. The real `lab serve` on loopback, fake machines.
const content = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../server/fixtures/content');
let handle: ServeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

function connect(url: string): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('error', reject);
  });
}

describe('sockets per terminal and per session are capped', () => {
  it(`the socket past ${SOCKET_LIMITS.socketsPerChannel} is closed with ${CLOSE_TOO_MANY}; the others stay`, async () => {
    handle = await serve({ dir: content, port: 0, provider: fakeProvider() });
    const r = await fetch(`${handle.url}sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: 'challenge:live-tasks' }) });
    const { token } = (await r.json()) as { token: string };
    await expect.poll(async () => ((await (await fetch(`${handle!.url}sessions/${token}`)).json()) as { state: string }).state).toBe('running');
    const ws = handle.url.replace('http', 'ws');
    for (const route of [`sessions/${token}/terminal/busybox`, `sessions/${token}/events`]) {
      const open = await Promise.all(Array.from({ length: SOCKET_LIMITS.socketsPerChannel }, () => connect(`${ws}${route}`)));
      const extra = await connect(`${ws}${route}`);
      expect(await extra.closed, route).toBe(CLOSE_TOO_MANY);
      expect(open.every((o) => o.ws.readyState === WebSocket.OPEN)).toBe(true);
      // One closes: there is room again.
      open[0]!.ws.close();
      await open[0]!.closed;
      const again = await connect(`${ws}${route}`);
      await new Promise((r) => setTimeout(r, 100));
      expect(again.ws.readyState).toBe(WebSocket.OPEN);
      for (const o of [...open, again]) o.ws.close();
    }
  });
});
