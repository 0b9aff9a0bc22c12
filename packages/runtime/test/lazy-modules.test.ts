// `lab dev` and `lab test` import @labkit/runtime: the clients of the Swarm
// provider, the Redis shared state and the SSH provider (~0.5 s of loading
// together) must load only when one of those is used.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';

const index = pathToFileURL(resolve(import.meta.dirname, '../src/index.ts')).href;
const hook = 'data:text/javascript,import{registerHooks}from"node:module";globalThis.__loaded=[];registerHooks({load(u,c,n){globalThis.__loaded.push(u);return n(u,c)}});';
const heavy = /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(dockerode|docker-modem|ioredis|ssh2)\//;

function loadedBy(body: string): string[] {
  const script = `const runtime = await import(${JSON.stringify(index)}); ${body}; console.log(JSON.stringify(globalThis.__loaded));`;
  const r = spawnSync(process.execPath, ['--import', hook, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as string[];
}

it('importing the runtime loads no Docker, Redis or SSH client', () => {
  const loaded = loadedBy('');
  expect(loaded.some((u) => u.endsWith('/src/providers/swarm/swarm-provider.ts'))).toBe(true);
  expect(loaded.filter((u) => heavy.test(u))).toEqual([]);
}, 60_000);

it('each client loads when its feature is used', () => {
  const loaded = loadedBy(`
    const state = new runtime.SharedState({ redis: '/nonexistent/redis.sock' });
    void state;
    new runtime.SwarmProvider({ docker: '/nonexistent/docker.sock', image: 'x', network: 'n' });
  `);
  expect(loaded.some((u) => /\/ioredis\//.test(u))).toBe(true);
  expect(loaded.some((u) => /\/dockerode\//.test(u))).toBe(true);
}, 60_000);
