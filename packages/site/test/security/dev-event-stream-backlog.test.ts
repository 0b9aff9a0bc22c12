import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DevServer, EVENT_STREAM_BACKLOG_BYTES } from '../../src/dev/dev-server.ts';
import type { PageResult } from '../../src/dev/page-store.ts';

// The preview's event stream pushes each open tab its new page on every
// edit. A tab that stops reading (a dead peer, a paused debugger) must be
// cut once its unsent updates pass the backlog, not kept in memory forever.
let server: DevServer | undefined;

afterEach(async () => {
  await server?.close();
});

describe('lab dev event stream to a tab that stops reading', () => {
  it('is cut past its backlog; a reading tab keeps its stream', async () => {
    let n = 0;
    const page = (): PageResult => ({ status: 200, html: `<html><body>${String(n).padStart(8, '0')}${'x'.repeat(1 << 20)}</body></html>`, hash: `h${n}`, stale: false, removed: false });
    server = new DevServer({ contentDir: '/nonexistent', version: () => n, errors: () => [], render: async () => page() });
    await new Promise<void>((resolve) => server!.server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as { port: number }).port;
    const open = (read: boolean) =>
      new Promise<{ bytes: () => number }>((resolve) => {
        const s = connect(port, '127.0.0.1');
        let bytes = 0;
        s.on('error', () => {});
        s.on('data', (d) => {
          bytes += d.length;
          if (!read) s.pause();
          resolve({ bytes: () => bytes });
        });
        s.write(`GET /__lab/events?path=/&v=0 HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n\r\n`);
      });
    await open(false);
    const reader = await open(true);
    expect(server.openPages).toHaveLength(2);
    // 64 updates of 1 MiB each: far past what the kernel's socket buffers absorb.
    for (let i = 0; i < 64 && server.openPages.length > 1; i++) {
      n++;
      await server.pushToTabs(new Map([['/', page()]]));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(server.openPages).toHaveLength(1);
    await expect.poll(() => reader.bytes(), { timeout: 10_000 }).toBeGreaterThan(8 * 2 ** 20);
    expect(EVENT_STREAM_BACKLOG_BYTES).toBeLessThanOrEqual(8 << 20);
  });
});
