import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Server-Sent Events to every open preview tab. SSE rather than WebSocket:
 * the traffic is one-way (server → page), EventSource reconnects by itself,
 * and it needs no dependency on either side.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>();

  get clientCount(): number {
    return this.#clients.size;
  }

  attach(req: IncomingMessage, res: ServerResponse, hello: unknown): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.write(`retry: 300\nevent: hello\ndata: ${JSON.stringify(hello)}\n\n`);
    this.#clients.add(res);
    req.on('close', () => this.#clients.delete(res));
  }

  send(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.#clients) client.write(frame);
  }

  closeAll(): void {
    for (const client of this.#clients) client.end();
    this.#clients.clear();
  }
}
