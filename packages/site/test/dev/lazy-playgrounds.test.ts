// `lab dev` mounts the playground runtime lazily (cli/src/commands/dev.ts):
// nothing of it loads before the content is read, and once asked for it
// answers as the runtime mounted eagerly does. The real runtime (devPlaygrounds
// over a real store) with the fake provider: no VM is booted.
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentStore } from '@labkit/sdk';
import { dev } from '../../src/dev/index.ts';
import { lazyPlaygroundApi } from '../../src/dev/lazy-playgrounds.ts';
import { playgroundDevMount } from '../../src/playground/dev-mount.ts';
import { devPlaygrounds } from '../../../runtime/src/index.ts';
import { fakeProvider } from '../../../runtime/test/security/fake-provider.ts';

const fixture = path.resolve(import.meta.dirname, '../../../runtime/test/server/fixtures/content');
let root = '';
afterAll(() => rm(root, { recursive: true, force: true }));

/** A raw HTTP exchange (an upgrade request too), until the server closes or `ms` of silence. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let out = '';
    socket.on('data', (d) => {
      out += d.toString();
      if (out.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(out.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

describe('lab dev: the playground runtime on first use', () => {
  it('opens nothing until asked, then answers what the eager runtime answers: pages, requests, upgrades', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'lab-lazy-playgrounds-'));
    await cp(fixture, root, { recursive: true });
    const store = new ContentStore();
    let opened = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lazy = lazyPlaygroundApi('/__lab/runtime/', async () => {
      opened++;
      await gate;
      return devPlaygrounds({ dir: root, store, provider: fakeProvider() });
    });
    const handle = await dev({ dir: root, store, port: 0, output: false, mount: playgroundDevMount(lazy) });
    const eager = devPlaygrounds({ dir: root, store, provider: fakeProvider() });
    const eagerHandle = await dev({ dir: root, store: new ContentStore(), port: 0, output: false, mount: playgroundDevMount(eager) });
    try {
      // Loading the content and building the pages did not ask for the runtime.
      expect(handle.state.itemCount).toBeGreaterThan(0);
      expect(opened).toBe(0);
      expect(lazy.loaded).toBeUndefined();

      // An upgrade before the runtime is there is held, then handed over: the same answer as the eager one.
      const upgrade = (port: number, secret: string) => raw(port, `GET /__lab/runtime/ws?lk_secret=${secret} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`);
      const heldUpgrade = upgrade(handle.port, handle.secret);
      // The upgrade started the load; an item page (does its item have a playground?) waits for it too.
      const page = fetch(new URL('challenges/live-tasks/', handle.url)).then((r) => r.text());
      await expect.poll(() => opened).toBe(1);
      release();
      const [lazyPage, eagerPage] = [await page, await (await fetch(new URL('challenges/live-tasks/', eagerHandle.url))).text()];
      const island = (html: string) => /<script[^>]+\/__lab\/playground\/playground\.js[^>]*>/.exec(html)?.[0]?.replace(/data-lab-secret="[^"]*"/, '');
      expect(island(lazyPage)).toBeDefined();
      expect(island(lazyPage)).toBe(island(eagerPage));
      const held = await heldUpgrade;
      expect(held).toMatch(/^HTTP\/1.1 \d{3}/);
      expect(held).toBe(await upgrade(eagerHandle.port, eagerHandle.secret));
      expect(lazy.loaded).toBeDefined();
      expect(opened).toBe(1);

      // Requests under the runtime's prefix: the same status either way.
      for (const p of ['__lab/runtime/', '__lab/runtime/sessions', '__lab/runtime/nope']) {
        const [a, b] = [await fetch(new URL(p, handle.url), { headers: { 'x-lab-secret': handle.secret } }), await fetch(new URL(p, eagerHandle.url), { headers: { 'x-lab-secret': eagerHandle.secret } })];
        expect(a.status, p).toBe(b.status);
      }
      for (const id of ['challenge:live-tasks', 'challenge:crashbox', 'challenge:no-such']) expect(await lazy.hasPlayground(id)).toBe(await eager.hasPlayground(id));
    } finally {
      release();
      await handle.close();
      await lazy.close();
      await eagerHandle.close();
      await eager.close();
    }
  }, 60_000);

  it('closing what was never used opens nothing', async () => {
    let opened = 0;
    const lazy = lazyPlaygroundApi('/__lab/runtime/', async () => (opened++, devPlaygrounds({ dir: root, provider: fakeProvider() })));
    await lazy.close();
    expect(opened).toBe(0);
  });
});
