// `lab serve --provider swarm` under load, on a real Docker Swarm formed on
// this machine (packages/runtime/test/swarm/swarm-harness.ts: nodes in
// network namespaces on a private bridge, nothing leaves the machine).
// Prints figures, asserts nothing but the absence of leaks.
//
//   flock /tmp/labkit-heavy.lock node bench/serve/swarm.ts [--workers 1] [--learners 4] [--pool 0]
//
// Root, docker.io and iptables are needed. One replica of lab serve runs in
// the network namespace of a container on the overlay (as the swarm tests
// do). Each learner: POST a session (retrying an honest 503), watch its
// events, open a terminal when the playground runs, type the solution, wait
// for the task to complete, stop. Prints sessions/min, time to the first
// task status and to the completed task (p50/p95), where the sessions ran,
// and checks that no service, secret, namespace or rule is left.
import { createReadStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildRunnerImage } from '../../packages/runtime/src/providers/swarm/runner-image.ts';
import { LABEL } from '../../packages/runtime/src/providers/swarm/swarm-provider.ts';
import { isRunning, Replica, watch, type Json } from '../../packages/runtime/test/swarm/replica-client.ts';
import { leftovers, startSwarm } from '../../packages/runtime/test/swarm/swarm-harness.ts';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1' },
    learners: { type: 'string', default: '4' },
    pool: { type: 'string', default: '0' },
  },
});
const N = Number(values.learners);
const here = path.dirname(fileURLToPath(import.meta.url));
const content = path.join(here, 'content');

const t0 = performance.now();
const cluster = await startSwarm({ workers: Number(values.workers) });
let exitCode = 0;
try {
  const image = await buildRunnerImage();
  await Promise.all(
    cluster.nodes.map(async (n) => {
      const stream = await n.docker.loadImage(createReadStream(image.tarball));
      await new Promise((resolve, reject) => n.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve(undefined))));
    }),
  );
  const gw = await cluster.manager.docker.createContainer({ Image: image.tag, Entrypoint: ['/bin/busybox', 'sleep', '100000'], HostConfig: { NetworkMode: cluster.overlay }, Labels: { 'labkit.test': cluster.id } });
  await gw.start();
  const pid = ((await gw.inspect()) as { State: { Pid: number } }).State.Pid;
  const pool = `test-${cluster.id}`;
  const replica = new Replica(cluster, pid, image.tag, 'bench', { dir: content, poolSize: Number(values.pool) });
  await replica.ready;
  const services = () => cluster.manager.docker.listServices({ filters: { label: [`${LABEL.pool}=${pool}`] } });
  // A warm pool is the steady state when asked for: wait until it is full.
  for (let i = 0; i < 480 && Number(values.pool) > 0; i++) {
    const idle = (await services()).filter((s) => s.Spec?.Labels?.[LABEL.state] === 'idle').length;
    if (idle >= Number(values.pool)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`labkit serve bench on swarm · ${values.workers} worker(s) · ${N} learners at once · pool ${values.pool} · ${os.cpus().length} cores · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} · set up in ${((performance.now() - t0) / 1000).toFixed(0)} s`);

  const nodeNames = new Map(cluster.workers.map((w) => [w.nodeId, w.name]));
  async function learner(): Promise<{ firstStatusMs: number; completedMs: number }> {
    const start = performance.now();
    let created;
    for (;;) {
      created = await replica.request('POST', '/sessions', { item: 'challenge:touch-a-file' });
      if (created.status !== 503) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    if (created.status !== 201 && created.status !== 202) throw new Error(`session: HTTP ${created.status} ${JSON.stringify(created.body)}`);
    const token = created.body.token as string;
    const socket = replica.socket(`/sessions/${token}/events`);
    const events = watch(socket);
    const ended = (m: Json) => m.type === 'session' && (m.state === 'failed' || m.state === 'stopped');
    const first = await events.waitFor((m) => (m.type === 'task' && m.kind === 'regular') || ended(m));
    if (ended(first)) throw new Error(`session ${String(first.state)}: ${String(first.detail)}`);
    const firstStatusMs = performance.now() - start;
    await events.waitFor((m) => isRunning(m) || ended(m));
    const terminal = replica.socket(`/sessions/${token}/terminal/busybox?cols=80&rows=24`);
    let out = '';
    terminal.on('message', (d) => (out += d.toString()));
    terminal.on('error', () => {});
    for (let i = 0; i < 600 && !/# /.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    terminal.send('0touch /root/work/done\r');
    const done = await events.waitFor((m) => (m.type === 'task' && m.task === 'verify_done' && m.status === 'completed') || ended(m));
    if (ended(done)) throw new Error(`session ${String(done.state)}: ${String(done.detail)}`);
    const completedMs = performance.now() - start;
    // A slow session: what its runner said (every claimed runner's log, there are few).
    if (completedMs > 60_000) {
      for (const svc of await services()) {
        if (svc.Spec?.Labels?.[LABEL.state] !== 'claimed') continue;
        const log = (await cluster.manager.docker.getService(svc.ID!).logs({ stdout: true, stderr: true, timestamps: false })) as unknown as Buffer;
        console.log(`slow session (${(completedMs / 1000).toFixed(0)} s); runner ${svc.Spec!.Name}:\n${log.toString('utf8').replace(/[\x00-\x08]/g, '')}`);
      }
    }
    terminal.close();
    socket.close();
    await replica.request('POST', `/sessions/${token}/stop`);
    return { firstStatusMs, completedMs };
  }
  // Placement census while the learners run: which node each runner task ran on.
  const taskNode = new Map<string, string>();
  const census = setInterval(() => {
    void (async () => {
      const ids = (await services()).map((s) => s.ID!);
      if (!ids.length) return;
      const tasks = (await cluster.manager.docker.listTasks({ filters: { service: ids } })) as Array<{ ID: string; NodeID?: string }>;
      for (const t of tasks) if (t.NodeID) taskNode.set(t.ID, nodeNames.get(t.NodeID) ?? t.NodeID);
    })().catch(() => {});
  }, 1000);
  const started = performance.now();
  const settled = await Promise.allSettled(Array.from({ length: N }, () => learner()));
  const wallMs = performance.now() - started;
  clearInterval(census);
  const ok = settled.filter((r): r is PromiseFulfilledResult<{ firstStatusMs: number; completedMs: number }> => r.status === 'fulfilled').map((r) => r.value);
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(p * xs.length) - 1)]!;
  console.log(`completed sessions: ${ok.length}/${N} in ${(wallMs / 1000).toFixed(1)} s → ${((ok.length / wallMs) * 60_000).toFixed(1)} sessions/min`);
  if (ok.length) {
    console.log(`time to first task status: p50 ${(pct(ok.map((r) => r.firstStatusMs), 0.5) / 1000).toFixed(1)} s · p95 ${(pct(ok.map((r) => r.firstStatusMs), 0.95) / 1000).toFixed(1)} s`);
    console.log(`time to task completed:    p50 ${(pct(ok.map((r) => r.completedMs), 0.5) / 1000).toFixed(1)} s · p95 ${(pct(ok.map((r) => r.completedMs), 0.95) / 1000).toFixed(1)} s`);
  }
  const perNode = new Map<string, number>();
  for (const n of taskNode.values()) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  console.log(`runner tasks seen per node: ${[...perNode].map(([n, c]) => `${n} ${c}`).join(', ') || 'none'}`);
  for (const f of settled) if (f.status === 'rejected') console.log(`FAILED learner: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}`);
  if (ok.length < N) exitCode = 1;
  await replica.stop();
  const left = await services();
  if (left.length) {
    console.log(`LEAK: ${left.length} services left`);
    exitCode = 1;
  }
} finally {
  await cluster.teardown();
  const left = leftovers(cluster.id);
  console.log(`after teardown: ${left.length ? `LEFT ${left.join(', ')}` : 'nothing left (services, networks, namespaces, rules, cgroups, files)'}`);
  if (left.length) exitCode = 1;
}
process.exitCode = exitCode;
