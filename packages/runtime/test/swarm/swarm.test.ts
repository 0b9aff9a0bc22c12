import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRunnerImage, type RunnerImage } from '../../src/providers/swarm/runner-image.ts';
import { LABEL } from '../../src/providers/swarm/swarm-provider.ts';
import { isRunning, messagesAfter, Replica, taskIs, watch, type Json } from './replica-client.ts';
import { leftovers, startSwarm, swarmUnavailable, type SwarmCluster, type SwarmNode } from './swarm-harness.ts';

// A real three-node Docker Swarm in network namespaces on a private bridge
// (see swarm-harness.ts). Opt in with LABKIT_TEST_SWARM=1; needs root,
// docker.io and iptables. Boots QEMU (TCG) in runner containers: run it under
// the heavy lock.
const enabled = process.env.LABKIT_TEST_SWARM === '1';
/** Why the suite cannot run here (the harness's needs, and Redis for the replicas), or undefined. */
const unavailable = (): string | undefined => {
  const why = swarmUnavailable();
  if (why) return why;
  try {
    execFileSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], { stdio: 'ignore' });
  } catch {
    return 'needs redis-server and redis-cli (apt-get install redis-server)';
  }
  return undefined;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const content = path.join(here, '..', 'server', 'fixtures', 'content');

/**
 * The host's firewall, as iptables-save prints it without comments and
 * counters. A table with no rules, no chains of its own and every built-in
 * chain at ACCEPT is left out: it filters nothing, and it is what a fresh
 * machine (where no table was loaded yet, so iptables-save printed nothing)
 * keeps once any iptables command has loaded it.
 */
function firewall(): string {
  const save = execFileSync('iptables-save', { encoding: 'utf8' }).replace(/^#.*\n/gm, '').replace(/\[\d+:\d+\]/g, '');
  return save
    .split(/^(?=\*)/m)
    .filter((table) => !/^\*\w+\n(?::[A-Z]+ ACCEPT *\n)*COMMIT\n?$/.test(table))
    .join('');
}

// Asked for (CI sets LABKIT_TEST_SWARM=1) but impossible here: say why instead of skipping quietly.
describe.runIf(enabled && unavailable())('lab serve on Docker Swarm: this machine', () => {
  it('can run the swarm suite', () => {
    throw new Error(`LABKIT_TEST_SWARM=1, but the swarm suite cannot run here: ${unavailable()}`);
  });
});

describe.runIf(enabled && !unavailable())('lab serve on Docker Swarm (3 nodes in network namespaces)', () => {
  let cluster: SwarmCluster;
  let image: RunnerImage;
  let replica: Replica;
  let other: Replica;
  let redis: ChildProcess | undefined;
  let redisSocket: string;
  const firewallBefore = enabled ? firewall() : '';
  const forwardBefore = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8');

  beforeAll(async () => {
    const t0 = Date.now();
    cluster = await startSwarm();
    image = await buildRunnerImage();
    // Every node holds the runner image; nothing is pulled from anywhere.
    await Promise.all(cluster.nodes.map(async (n) => {
      const stream = await n.docker.loadImage(createReadStream(image.tarball));
      await new Promise((resolve, reject) => n.docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve(undefined))));
    }));
    // The replica's network: a container on the manager attached to the overlay (lab serve deployed next to the swarm).
    const gw = await cluster.manager.docker.createContainer({ Image: image.tag, Entrypoint: ['/bin/busybox', 'sleep', '100000'], HostConfig: { NetworkMode: cluster.overlay }, Labels: { 'labkit.test': cluster.id } });
    await gw.start();
    const info = (await gw.inspect()) as { State: { Pid: number }; NetworkSettings: { Networks: Record<string, { IPAddress: string }> } };
    // Redis on a unix socket only (no TCP port): the replicas share it through the file system.
    redisSocket = path.join(cluster.dir, 'redis.sock');
    redis = spawn('redis-server', ['--port', '0', '--unixsocket', redisSocket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(redisSocket); i++) await new Promise((r) => setTimeout(r, 100));
    const shared = { redis: redisSocket, advertiseHost: info.NetworkSettings.Networks[cluster.overlay]!.IPAddress };
    replica = new Replica(cluster, info.State.Pid, image.tag, 'a', { dir: content, ...shared });
    other = new Replica(cluster, info.State.Pid, image.tag, 'b', { dir: content, ...shared });
    await Promise.all([replica.ready, other.ready]);
    console.log(`swarm, image (${Math.round(image.bytes / 2 ** 20)} MiB) and replica ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 600_000);

  afterAll(async () => {
    await Promise.all([replica?.stop(), other?.stop()]);
    redis?.kill('SIGTERM');
    if (!cluster) return;
    await cluster.teardown();
    expect(leftovers(cluster.id)).toEqual([]);
    expect(firewall()).toBe(firewallBefore);
    expect(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8')).toBe(forwardBefore);
  }, 120_000);

  /** A new session on `replica`, its event stream, and the worker its machine runs on, once it runs. */
  async function runningSession() {
    const s = await replica.request('POST', '/sessions', { item: 'challenge:live-tasks' });
    expect(s.status).toBe(201);
    const token = s.body.token as string;
    const events = watch(replica.socket(`/sessions/${token}/events`));
    await events.waitFor(isRunning);
    const [task] = (await sessionTasks(token)).filter((t) => t.Status.State === 'running');
    return { token, events, worker: cluster.workers.find((w) => w.nodeId === task!.NodeID) as SwarmNode };
  }

  async function sessionTasks(token: string): Promise<Array<{ NodeID: string; ServiceID: string; Status: { State: string } }>> {
    const services = await cluster.manager.docker.listServices({ filters: { label: [`${LABEL.pool}=test-${cluster.id}`] } });
    const mine = services.filter((s) => s.Spec?.Labels?.[LABEL.state] === 'claimed');
    const tasks = await cluster.manager.docker.listTasks({ filters: { service: mine.map((s) => s.ID!) } });
    void token;
    return tasks as Array<{ NodeID: string; ServiceID: string; Status: { State: string } }>;
  }

  it('runs a session on a worker: a terminal, a task check, placement across both workers', async () => {
    const t0 = Date.now();
    const a = await replica.request('POST', '/sessions', { item: 'challenge:live-tasks' });
    const b = await replica.request('POST', '/sessions', { item: 'challenge:live-tasks' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const events = watch(replica.socket(`/sessions/${a.body.token as string}/events`));
    const eventsB = watch(replica.socket(`/sessions/${b.body.token as string}/events`));
    await events.waitFor(taskIs('init_secret', 'completed'));
    await events.waitFor(isRunning);
    const firstStatus = Date.now() - t0;
    await eventsB.waitFor(isRunning);
    console.log(`two sessions at once, cold (no warm pool): first running after ${(firstStatus / 1000).toFixed(1)} s, both after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // One service per session, each on a different worker (spread), none on the manager.
    const tasks = (await sessionTasks('')).filter((t) => t.Status.State === 'running');
    expect(tasks).toHaveLength(2);
    expect(new Set(tasks.map((t) => t.NodeID))).toEqual(new Set(cluster.workers.map((w) => w.nodeId)));
    // lab serve's metrics count the runner services per node (refreshed every 10 s).
    const perNode = (m: string) => cluster.workers.every((w) => new RegExp(`labkit_swarm_services\\{node="lks-${cluster.id}-${w.name}",pool="test-${cluster.id}",state="claimed"\\} 1`).test(m));
    let metrics = '';
    for (let i = 0; i < 50 && !perNode(metrics); i++) {
      metrics = await replica.text('/metrics');
      if (!perNode(metrics)) await new Promise((r) => setTimeout(r, 500));
    }
    expect(perNode(metrics), metrics).toBe(true);
    // The learner's terminal, through lab serve, into QEMU inside the runner container on a worker.
    const term = replica.socket(`/sessions/${a.body.token as string}/terminal/busybox?cols=100&rows=30`);
    let output = '';
    term.on('message', (d) => (output += d.toString()));
    await new Promise((resolve, reject) => term.once('open', resolve).once('error', reject));
    const waitOutput = async (re: RegExp) => {
      for (let i = 0; i < 600 && !re.test(output); i++) await new Promise((r) => setTimeout(r, 100));
      expect(output).toMatch(re);
    };
    await waitOutput(/# /);
    term.send('0cat /root/.secret; stty size; touch /root/done\r');
    await waitOutput(/the-init-secret/);
    await waitOutput(/30 100/);
    await events.waitFor(taskIs('verify_done', 'completed'), 60_000);
    term.close();
    for (const token of [a.body.token, b.body.token]) expect((await replica.request('POST', `/sessions/${token as string}/stop`)).status).toBe(200);
    // Stopped sessions leave no service and no secret behind.
    const services = await cluster.manager.docker.listServices({ filters: { label: [`${LABEL.pool}=test-${cluster.id}`] } });
    expect(services).toEqual([]);
    expect(await cluster.manager.docker.listSecrets({ filters: { label: [`${LABEL.pool}=test-${cluster.id}`] } })).toEqual([]);
  }, 600_000);

  it('serves a session created on one replica through another (state shared in Redis)', async () => {
    const s = await replica.request('POST', '/sessions', { item: 'challenge:live-tasks' });
    expect(s.status).toBe(201);
    const token = s.body.token as string;
    // Everything below goes to replica b, which holds nothing of this session but its record in Redis.
    const events = watch(other.socket(`/sessions/${token}/events`));
    await events.waitFor(isRunning);
    expect((await other.request('GET', `/sessions/${token}`)).body.state).toBe('running');
    const term = other.socket(`/sessions/${token}/terminal/busybox?cols=80&rows=24`);
    let output = '';
    term.on('message', (d) => (output += d.toString()));
    await new Promise((resolve, reject) => term.once('open', resolve).once('error', reject));
    term.send('0touch /root/done; echo TOUCHED\r');
    for (let i = 0; i < 600 && !/TOUCHED\r?\n/.test(output); i++) await new Promise((r) => setTimeout(r, 100));
    await events.waitFor(taskIs('verify_done', 'completed'), 60_000);
    expect((await other.request('POST', `/sessions/${token}/input`, { task: 'verify_answer', value: '42' })).status).toBe(200);
    await events.waitFor(taskIs('verify_answer', 'completed'), 60_000);
    term.close();
    expect((await other.request('POST', `/sessions/${token}/stop`)).status).toBe(200);
    expect((await replica.request('GET', `/sessions/${token}`)).status).toBe(404);
    expect((await other.request('GET', `/sessions/${token}`)).status).toBe(404);
    // The token never reaches Redis, only its hash; the event stream says what happened.
    const dump = execFileSync('redis-cli', ['-s', redisSocket, '--no-raw', 'xrange', 'labkit:events', '-', '+'], { encoding: 'utf8' });
    expect(dump).toMatch(/created/);
    expect(dump).toMatch(/stopped/);
    expect(execFileSync('redis-cli', ['-s', redisSocket, 'keys', '*'], { encoding: 'utf8' })).not.toContain(token);
  }, 600_000);

  it('ends a session on a drained worker with a clear event; the learner\'s restart lands on the other worker', async () => {
    const { token, events, worker: drained } = await runningSession();
    const before = new Set((await sessionTasks(token)).map((t) => t.ServiceID));
    const setAvailability = async (availability: 'drain' | 'active') => {
      const node = cluster.manager.docker.getNode(drained.nodeId);
      const info = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      await node.update({ version: info.Version.Index, ...info.Spec, Availability: availability });
    };
    await setAvailability('drain');
    try {
      const failed = await events.waitFor((m) => m.type === 'session' && m.state === 'failed', 60_000);
      expect(String(failed.detail)).toMatch(/being drained/);
      // The learner restarts: a new runner service, placed on the worker that is still active.
      let restart = await replica.request('POST', `/sessions/${token}/restart`);
      for (let i = 0; i < 40 && restart.status === 409; i++) {
        await new Promise((r) => setTimeout(r, 500));
        restart = await replica.request('POST', `/sessions/${token}/restart`);
      }
      expect(restart.status).toBe(202);
      await events.waitFor((m) => isRunning(m) && messagesAfter(events.messages, failed).includes(m), 240_000);
      // The new runner service (the drained one was removed with the failed attempt).
      const running = (await sessionTasks(token)).filter((t) => t.Status.State === 'running' && !before.has(t.ServiceID));
      expect(running).toHaveLength(1);
      expect(running[0]!.NodeID).not.toBe(drained.nodeId);
      expect((await replica.request('POST', `/sessions/${token}/stop`)).status).toBe(200);
      expect(await cluster.manager.docker.listServices({ filters: { label: [`${LABEL.pool}=test-${cluster.id}`] } })).toEqual([]);
    } finally {
      await setAvailability('active');
    }
  }, 600_000);

  it('ends a session with a clear event when its worker dies, and leaks nothing', async () => {
    const { token, events, worker: node } = await runningSession();
    cluster.killNode(node);
    const failed = await events.waitFor((m) => m.type === 'session' && m.state === 'failed', 60_000);
    expect(String(failed.detail)).toMatch(/went away|silent/);
    expect((await replica.request('POST', `/sessions/${token}/stop`)).status).toBe(200);
    // The service is removed although its node is gone (the runner's dispose times out first).
    let services: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      services = await cluster.manager.docker.listServices({ filters: { label: [`${LABEL.pool}=test-${cluster.id}`] } });
      if (!services.length) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(services).toEqual([]);
  }, 600_000);
});
