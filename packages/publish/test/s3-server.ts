// Test helpers: a real S3-compatible server (s3rver) on loopback, and a
// small HTTP proxy in front of it that can fail chosen requests.
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver on 127.0.0.1 (random port) in a child process, with the
 * given buckets, storing in a temp folder. A separate process because it
 * needs `--openssl-legacy-provider` (see s3rver-process.ts), and so the
 * server is as real as any other: the tests reach it only over HTTP.
 */
export async function startS3Server(buckets: string[]): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'labkit-s3rver-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', join(import.meta.dirname, 's3rver-process.ts'), directory, buckets.join(',')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolvePort((JSON.parse(line) as { port: number }).port);
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited (${code}) before listening: ${stderr}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export interface SeenRequest {
  method: string;
  /** Path without the query string, URL-decoded (`/bucket/prefix/key`). */
  path: string;
  query: string;
  /** What the proxy did. */
  outcome: 'forwarded' | 'error500' | 'reset';
}

/** Decides the fate of one request: forward it, answer 500, or cut the connection. */
export type FaultRule = (req: { method: string; path: string; query: string }) => 'forward' | 'error500' | 'reset';

export interface FaultProxy {
  endpoint: string;
  /** Every request seen, in order. */
  seen: SeenRequest[];
  /** Replace the rule (default: forward everything). */
  setRule(rule: FaultRule): void;
  close(): Promise<void>;
}

/** A loopback proxy in front of `upstream` that records requests and injects faults. */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const seen: SeenRequest[] = [];
  let rule: FaultRule = () => 'forward';
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const info = { method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.search };
    const fate = rule(info);
    if (fate === 'reset') {
      seen.push({ ...info, outcome: 'reset' });
      req.socket.destroy();
      return;
    }
    if (fate === 'error500') {
      seen.push({ ...info, outcome: 'error500' });
      req.resume();
      req.on('end', () => {
        res.writeHead(500, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>Injected by the test proxy</Message></Error>');
      });
      return;
    }
    seen.push({ ...info, outcome: 'forwarded' });
    const up = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    setRule: (r) => {
      rule = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
