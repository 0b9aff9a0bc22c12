// The test's side of a `lab serve` replica on the swarm (swarm.test.ts and
// bench/serve/swarm.ts): starts replica.ts inside the network namespace of a
// container on the overlay and talks to it over the unix socket it forwards
// (HTTP and WebSockets), as a learner's browser would through a load balancer.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import type { SwarmCluster } from './swarm-harness.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Json {
  [key: string]: unknown;
}

export class Replica {
  readonly socketPath: string;
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  log = '';
  constructor(cluster: SwarmCluster, netnsPid: number, image: string, name: string, options: { dir: string; poolSize?: number; redis?: string; advertiseHost?: string }) {
    this.socketPath = path.join(cluster.dir, `${name}.sock`);
    const config = { socketPath: this.socketPath, dockerSocket: cluster.manager.socketPath, image, network: cluster.overlay, pool: `test-${cluster.id}`, poolSize: 0, ...options };
    this.proc = spawn('nsenter', [`--net=/proc/${netnsPid}/ns/net`, process.execPath, '--conditions=labkit-source', path.join(here, 'replica.ts'), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => (this.log += d.toString()));
    this.ready = new Promise((resolve, reject) => {
      this.proc.stdout!.on('data', (d: Buffer) => d.toString().includes('"ready"') && resolve());
      this.proc.once('exit', (code) => reject(new Error(`replica ${name} exited (${code}): ${this.log}`)));
    });
  }
  request(method: string, route: string, body?: unknown): Promise<{ status: number; body: Json }> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, method, path: route, headers: { 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Json) : {} }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
  text(route: string): Promise<string> {
    return new Promise((resolve, reject) => {
      http.get({ socketPath: this.socketPath, path: route }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
  }
  socket(route: string): WebSocket {
    return new WebSocket(`ws+unix://${this.socketPath}:${route}`);
  }
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

/** Every message of a session's events socket, and a way to wait for one. */
export function watch(ws: WebSocket): { messages: Json[]; waitFor(p: (m: Json) => boolean, timeoutMs?: number): Promise<Json> } {
  const messages: Json[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(d.toString()) as Json));
  return {
    messages,
    async waitFor(p, timeoutMs = 240_000) {
      const start = Date.now();
      for (;;) {
        const found = messages.find(p);
        if (found) return found;
        if (Date.now() - start > timeoutMs) throw new Error(`no matching event in ${timeoutMs} ms; last: ${JSON.stringify(messages.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

export const messagesAfter = (messages: Json[], m: Json) => messages.slice(messages.indexOf(m) + 1);
/** The playground runs: its own event, or the snapshot a socket that connects later gets first. */
export const isRunning = (m: Json) => ((m.type === 'session' || m.type === 'snapshot') && m.state === 'running') || (m.type === 'playground' && m.status === 'running');
export const taskIs = (name: string, status: string) => (m: Json) => (m.type === 'task' && m.task === name && m.status === status) || (m.type === 'snapshot' && (m.tasks as Json[]).some((t) => t.name === name && t.status === status));
