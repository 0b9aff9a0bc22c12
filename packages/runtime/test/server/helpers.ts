import { execFileSync } from 'node:child_process';
import WebSocket from 'ws';

export interface Json {
  [key: string]: unknown;
}

export async function post(url: string, body?: unknown): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
}

export async function get(url: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
}

/** The events socket of a session, with every message kept and a way to wait for one. */
export class EventsClient {
  readonly messages: Json[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => this.messages.push(JSON.parse(data.toString()) as Json));
  }
  async waitFor(predicate: (m: Json) => boolean, timeoutMs = 120_000): Promise<Json> {
    const start = Date.now();
    for (;;) {
      const found = this.messages.find(predicate);
      if (found) return found;
      if (Date.now() - start > timeoutMs) throw new Error(`no matching event in ${timeoutMs} ms; got ${JSON.stringify(this.messages.slice(-10))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.ws.close();
  }
}

/** A terminal socket: send keystrokes, read what the shell printed. */
export class TerminalClient {
  output = '';
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  closeCode: number | undefined;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.ws.on('message', (data) => (this.output += data.toString()));
    this.ws.on('close', (code) => (this.closeCode = code));
  }
  type(text: string): void {
    this.ws.send('0' + text);
  }
  async waitFor(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpExecArray> {
    const start = Date.now();
    for (;;) {
      const m = pattern.exec(this.output);
      if (m) return m;
      if (Date.now() - start > timeoutMs) throw new Error(`terminal never showed ${pattern}; got ${JSON.stringify(this.output.slice(-500))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.ws.close();
  }
}

/** QEMU processes whose command line mentions `needle` (a run dir, a machine name). */
export function qemuWith(needle: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `qemu-system-x86_64.*${needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}
