import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { RuntimeErrors } from '../../errors.ts';
import type { MetricSample } from '../../server/metrics.ts';
import type { Machine, PlaygroundSpec, Provider, RunningPlayground } from '../../provider.ts';
import { openRunner, RemoteMachine, type RunnerAddress } from './remote-machine.ts';
import { LINK_DEAD_MS, readLines, RUNNER_PORT } from './runner-protocol.ts';

// dockerode loads on first use (~0.25 s): only `lab serve --provider swarm`
// needs it, not `lab dev` or `lab test`, which import this package too.
const dockerode = (): typeof Docker => createRequire(import.meta.url)('dockerode') as typeof Docker;

export interface SwarmProviderOptions {
  /** The Docker API of a Swarm manager: a client, a unix socket path, or `tcp://host:port`. */
  docker: Docker | string;
  /** Runner image tag, loaded on every node (`buildRunnerImage`). */
  image: string;
  /** An attachable overlay network that this process is attached to too. */
  network: string;
  /** Pool name: labels every service this provider makes (default `default`). */
  pool?: string;
  /** Idle runner services kept ready (default 0). */
  poolSize?: number;
  /** Per service: reserved and limited (default 1 CPU, 512 MiB plus the machines' memory). */
  cpus?: number;
  memoryMiB?: number;
  /** Extra environment for the runner (`LABKIT_RUNNER_POOL=0`: boot nothing before a session claims it). */
  env?: string[];
  /** Placement constraints (default: workers only). */
  constraints?: string[];
  /** How long a service may take to start and its runner to answer (default 120 s). */
  startTimeoutMs?: number;
  /** Shared with the other `lab serve` replicas (Redis `SharedState`); default: this process only. */
  coordinator?: SwarmCoordinator;
  onLog?: (line: string) => void;
}

/**
 * What replicas share about runner services: their secrets (any replica may
 * claim an idle one), which ones a live replica holds (the others are
 * orphans of a replica that died), and locks for refill and reaping.
 */
export interface SwarmCoordinator {
  setSecret(service: string, secret: string): Promise<void>;
  getSecret(service: string): Promise<string | undefined>;
  deleteSecret(service: string): Promise<void>;
  hold(services: string[], ttlMs: number): Promise<void>;
  isHeld(service: string): Promise<boolean>;
  withLock(name: string, ttlMs: number, fn: () => Promise<void>): Promise<boolean>;
}

/** The coordinator of a single replica: everything in memory. */
export function localCoordinator(): SwarmCoordinator {
  const secrets = new Map<string, string>();
  const held = new Map<string, number>();
  const locks = new Set<string>();
  return {
    setSecret: async (s, v) => void secrets.set(s, v),
    getSecret: async (s) => secrets.get(s),
    deleteSecret: async (s) => void secrets.delete(s),
    hold: async (list, ttl) => list.forEach((s) => held.set(s, Date.now() + ttl)),
    isHeld: async (s) => (held.get(s) ?? 0) > Date.now(),
    withLock: async (name, _ttl, fn) => {
      if (locks.has(name)) return false;
      locks.add(name);
      try {
        await fn();
      } finally {
        locks.delete(name);
      }
      return true;
    },
  };
}

/** A held service is renewed this often and lapses this long after its holder stops renewing it. */
const HOLD_RENEW_MS = 3_000;
const HOLD_TTL_MS = 15_000;

/** Labels on every service: who made it and for what. */
export const LABEL = { pool: 'labkit.pool', state: 'labkit.state', session: 'labkit.session', secret: 'labkit.secret-id' } as const;

interface RunnerService {
  id: string;
  name: string;
  secretId: string;
  secret: string;
}

/**
 * Playgrounds on Docker Swarm: each session is one service (one replica,
 * restart policy none, reservations and limits, spread over the workers,
 * labelled with its pool and session) running the runner image, which
 * boots the playground's machines with the same QEMU code as a local
 * session. The engine reaches them over the overlay network with a
 * per-session secret (a Swarm secret, readable only inside the container).
 *
 * A warm pool keeps idle services booted; a session claims one with a
 * service update that names the version it read, so two replicas racing
 * for the same service cannot both win (the loser gets "update out of
 * sequence" and tries the next).
 */
export class SwarmProvider implements Provider {
  readonly name = 'swarm';
  #o: SwarmProviderOptions & { docker: Docker };
  #coordinator: SwarmCoordinator;
  /** Services this replica is using for a session (renewed in the coordinator). */
  #held = new Set<string>();
  #holdTimer: NodeJS.Timeout;
  #filling: Promise<void> | undefined;
  /** The last census (refreshed every 10 s) and link failures, for `lab serve`'s metrics. */
  #census: Array<{ node: string; state: string; count: number }> = [];
  #censusTimer: NodeJS.Timeout;
  #linksLost = 0;
  #closed = false;
  readonly #log: (line: string) => void;

  constructor(options: SwarmProviderOptions) {
    const docker = typeof options.docker !== 'string' ? options.docker : options.docker.startsWith('/') ? new (dockerode())({ socketPath: options.docker }) : new (dockerode())({ host: new URL(options.docker).hostname, port: Number(new URL(options.docker).port) || 2376 });
    this.#o = { ...options, docker };
    this.#log = options.onLog ?? (() => {});
    this.#coordinator = options.coordinator ?? localCoordinator();
    this.#holdTimer = setInterval(() => void this.#coordinator.hold([...this.#held], HOLD_TTL_MS).catch(() => {}), HOLD_RENEW_MS);
    this.#holdTimer.unref();
    this.#censusTimer = setInterval(() => void this.census().then((c) => (this.#census = c), () => {}), 10_000);
    this.#censusTimer.unref();
  }

  /** Runner services per node, pool and state, and sessions lost to a node failure (Prometheus samples). */
  metricSamples(): MetricSample[] {
    return [
      ...this.#census.map((c) => ({ name: 'labkit_swarm_services', help: 'Runner services by node, pool and state (idle: warm pool; claimed: a session).', type: 'gauge' as const, value: c.count, labels: { node: c.node, pool: this.pool, state: c.state } })),
      { name: 'labkit_swarm_links_lost_total', help: 'Sessions whose runner went away (node failed, drained or cut off).', type: 'counter', value: this.#linksLost, labels: { pool: this.pool } },
    ];
  }

  get pool(): string {
    return this.#o.pool ?? 'default';
  }

  async provision(spec: PlaygroundSpec): Promise<RunningPlayground> {
    const session = randomBytes(8).toString('hex');
    const claimed = await this.#claim(session);
    const service = claimed ?? (await this.#create('claimed', session, spec));
    this.#held.add(service.id);
    await this.#coordinator.hold([service.id], HOLD_TTL_MS);
    void this.fill();
    try {
      const host = await this.#address(service);
      return await this.#connect(service, { host, port: RUNNER_PORT, secret: service.secret }, spec);
    } catch (error) {
      await this.#remove(service);
      throw error;
    }
  }

  /** Creates idle services up to the pool size (one fill at a time). */
  fill(): Promise<void> {
    const size = this.#o.poolSize ?? 0;
    if (!size || this.#closed) return Promise.resolve();
    this.#filling ??= (async () => {
      try {
        // One replica refills for all: the others would overshoot the pool size.
        await this.#coordinator.withLock(`pool:${this.pool}`, 120_000, async () => {
          const n = await this.idle();
          for (let i = n; i < size && !this.#closed; i++) await this.#create('idle', undefined, undefined);
        });
      } catch (error) {
        this.#log(`swarm pool refill failed: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        this.#filling = undefined;
      }
    })();
    return this.#filling;
  }

  /** Idle services of this pool that this process can claim. */
  async idle(): Promise<number> {
    let n = 0;
    for (const s of await this.#services()) if (s.Spec?.Labels?.[LABEL.state] === 'idle' && (await this.#coordinator.getSecret(s.ID!))) n++;
    return n;
  }

  /** Services of this pool per node and state, for metrics. */
  async census(): Promise<Array<{ node: string; state: string; count: number }>> {
    const services = await this.#services();
    const state = new Map(services.map((s) => [s.ID!, s.Spec?.Labels?.[LABEL.state] ?? 'unknown']));
    const tasks = (await this.#o.docker.listTasks({ filters: { service: [...state.keys()], 'desired-state': ['running'] } })) as Array<{ ServiceID: string; NodeID?: string }>;
    const nodes = new Map(((await this.#o.docker.listNodes()) as Array<{ ID: string; Description?: { Hostname?: string } }>).map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
    const counts = new Map<string, number>();
    for (const t of tasks) {
      const key = `${nodes.get(t.NodeID ?? '') ?? 'unscheduled'}\u0000${state.get(t.ServiceID) ?? 'unknown'}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].map(([k, count]) => ({ node: k.split('\u0000')[0]!, state: k.split('\u0000')[1]!, count }));
  }

  /**
   * Removes what no live replica uses (under a lock, in one replica at a
   * time): claimed services nobody holds (their replica died) and idle ones
   * whose secret is unknown. `lab serve` runs it at start (reconciling with
   * the services it finds) and then periodically.
   */
  async reap(): Promise<number> {
    let removed = 0;
    await this.#coordinator.withLock(`reap:${this.pool}`, 60_000, async () => {
      for (const s of await this.#services()) {
        const labels = s.Spec?.Labels ?? {};
        if (this.#held.has(s.ID!)) continue;
        const orphan = labels[LABEL.state] === 'claimed' ? !(await this.#coordinator.isHeld(s.ID!)) : !(await this.#coordinator.getSecret(s.ID!));
        // A service created a moment ago may not be held yet by the replica that made it.
        const young = Date.now() - Date.parse(s.CreatedAt ?? '') < HOLD_TTL_MS;
        if (!orphan || young) continue;
        this.#log(`swarm: removing orphaned ${labels[LABEL.state]} service ${s.Spec!.Name!}`);
        await this.#remove({ id: s.ID!, name: s.Spec!.Name!, secretId: labels[LABEL.secret] ?? '', secret: '' });
        removed++;
      }
    });
    return removed;
  }

  /** Removes every service (and secret) of this pool, idle or not. */
  async dispose(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#holdTimer);
    clearInterval(this.#censusTimer);
    await this.#filling;
    for (const s of await this.#services()) await this.#remove({ id: s.ID!, name: s.Spec!.Name!, secretId: s.Spec?.Labels?.[LABEL.secret] ?? '', secret: '' });
  }

  /** Stops holding services (this replica shuts down) but leaves them to the others: idle ones stay in the pool. */
  release(): void {
    this.#closed = true;
    clearInterval(this.#holdTimer);
    clearInterval(this.#censusTimer);
  }

  async #services(): Promise<Docker.Service[]> {
    return this.#o.docker.listServices({ filters: { label: [`${LABEL.pool}=${this.pool}`] } });
  }

  async #claim(session: string): Promise<RunnerService | undefined> {
    for (const s of await this.#services()) {
      const labels = s.Spec?.Labels ?? {};
      if (labels[LABEL.state] !== 'idle') continue;
      const secret = await this.#coordinator.getSecret(s.ID!);
      if (!secret) continue;
      try {
        // Held before the claim, so a reaper never sees it claimed and unheld.
        await this.#coordinator.hold([s.ID!], HOLD_TTL_MS);
        // The version we read: if another replica claimed it since, Swarm refuses ("update out of sequence").
        await this.#o.docker.getService(s.ID!).update({ version: s.Version!.Index, ...s.Spec, Labels: { ...labels, [LABEL.state]: 'claimed', [LABEL.session]: session } });
        return { id: s.ID!, name: s.Spec!.Name!, secretId: labels[LABEL.secret] ?? '', secret };
      } catch (error) {
        if (/out of sequence/i.test(String((error as Error).message))) continue;
        throw error;
      }
    }
    return undefined;
  }

  async #create(state: 'idle' | 'claimed', session: string | undefined, spec: PlaygroundSpec | undefined): Promise<RunnerService> {
    const secret = randomBytes(32).toString('base64url');
    const name = `labkit-${this.pool}-${randomBytes(4).toString('hex')}`;
    const created = await this.#o.docker.createSecret({ Name: name, Data: Buffer.from(secret).toString('base64'), Labels: { [LABEL.pool]: this.pool } });
    const secretId = (created as unknown as { id: string }).id;
    const machinesMiB = spec?.machines.reduce((n, m) => n + (m.memoryMiB ?? 256), 0) ?? 256;
    const memory = ((this.#o.memoryMiB ?? 512) + machinesMiB) * 1024 * 1024;
    const nanoCpus = Math.round((this.#o.cpus ?? 1) * 1e9);
    const labels = { [LABEL.pool]: this.pool, [LABEL.state]: state, [LABEL.secret]: secretId, ...(session ? { [LABEL.session]: session } : {}) };
    const service = await this.#o.docker.createService({
      Name: name,
      Labels: labels,
      TaskTemplate: {
        ContainerSpec: {
          Image: this.#o.image,
          Labels: { [LABEL.pool]: this.pool },
          Env: ['LABKIT_RUNNER_SECRET_FILE=/run/secrets/labkit-session', ...(this.#o.env ?? [])],
          Secrets: [{ SecretID: secretId, SecretName: name, File: { Name: 'labkit-session', UID: '0', GID: '0', Mode: 0o400 } }],
        },
        Resources: { Limits: { NanoCPUs: nanoCpus, MemoryBytes: memory }, Reservations: { NanoCPUs: Math.round(nanoCpus / 4), MemoryBytes: Math.round(memory / 2) } },
        RestartPolicy: { Condition: 'none' },
        Placement: { Constraints: this.#o.constraints ?? ['node.role==worker'], Preferences: [{ Spread: { SpreadDescriptor: 'node.id' } }] },
        Networks: [{ Target: this.#o.network }],
      },
      Mode: { Replicated: { Replicas: 1 } },
      // No virtual IP: the runner is reached at its task's own address.
      EndpointSpec: { Mode: 'dnsrr' },
    } as Docker.CreateServiceOptions);
    const id = (service as unknown as { id: string }).id;
    if (state === 'claimed') this.#held.add(id);
    await this.#coordinator.setSecret(id, secret);
    this.#log(`swarm: created ${state} service ${name}`);
    return { id, name, secretId, secret };
  }

  /** The overlay address of the service's running task, once it runs. */
  async #address(service: RunnerService): Promise<string> {
    const deadline = Date.now() + (this.#o.startTimeoutMs ?? 120_000);
    for (;;) {
      const tasks = (await this.#o.docker.listTasks({ filters: { service: [service.id] } })) as Array<{ Status: { State: string; Err?: string }; NetworksAttachments?: Array<{ Network: { Spec: { Name: string } }; Addresses: string[] }> }>;
      const failed = tasks.find((t) => ['failed', 'rejected', 'shutdown', 'orphaned'].includes(t.Status.State));
      if (failed && !tasks.some((t) => t.Status.State === 'running')) throw RuntimeErrors.ProviderUnavailable('swarm', `service ${service.name} ${failed.Status.State}: ${failed.Status.Err ?? 'no reason given'}`);
      const running = tasks.find((t) => t.Status.State === 'running');
      const address = running?.NetworksAttachments?.find((n) => n.Network.Spec.Name === this.#o.network)?.Addresses[0];
      if (address) return address.split('/')[0]!;
      if (Date.now() > deadline) throw RuntimeErrors.ProviderUnavailable('swarm', `service ${service.name} did not start in ${Math.round((this.#o.startTimeoutMs ?? 120_000) / 1000)} s (task ${tasks[0]?.Status.State ?? 'not scheduled'}: no worker with enough free CPU and memory?)`);
      await sleep(200);
    }
  }

  /** Opens the runner's link, provisions the playground, and returns it. */
  async #connect(service: RunnerService, address: RunnerAddress, spec: PlaygroundSpec): Promise<RunningPlayground> {
    const deadline = Date.now() + (this.#o.startTimeoutMs ?? 120_000);
    for (;;) {
      try {
        return await this.#provisionOnce(service, address, spec);
      } catch (error) {
        // The task runs before its program listens: refused connections are retried until the deadline.
        if (!(error instanceof NotListening) || Date.now() > deadline) throw error instanceof NotListening ? RuntimeErrors.ProviderUnavailable('swarm', `the runner of ${service.name} never answered: ${error.message}`) : error;
        await sleep(250);
      }
    }
  }

  #provisionOnce(service: RunnerService, address: RunnerAddress, spec: PlaygroundSpec): Promise<RunningPlayground> {
    return new Promise((resolve, reject) => {
      const link = openRunner(address, { op: 'provision', spec });
      let playground: SwarmPlayground | undefined;
      let lastHeard = Date.now();
      let answered = false;
      const watchdog = setInterval(() => {
        if (Date.now() - lastHeard > LINK_DEAD_MS) link.destroy(new Error(`the runner of ${service.name} has been silent for ${LINK_DEAD_MS / 1000} s (its node is down or cut off)`));
      }, 500);
      readLines(link, (m) => {
        lastHeard = Date.now();
        answered = true;
        if (m.ok && Array.isArray(m.machines)) {
          const machines = (m.machines as Array<{ name: string }>).map((x) => new RemoteMachine(x.name, address));
          playground = new SwarmPlayground(machines, async () => {
            clearInterval(watchdog);
            link.destroy();
            await this.#dispose(service, address);
          });
          resolve(playground);
        } else if (typeof m.error === 'string') reject(RuntimeErrors.BootFailed(spec.machines.map((x) => x.name).join(', '), m.error));
        else if (typeof m.stopping === 'string' && playground && !playground.disposing) {
          // Not our dispose: Swarm stopped the task (its node is being drained, or someone removed the service).
          this.#linksLost++;
          playground.lost(`the node running this playground is being drained or its service was stopped (${m.stopping}); start again for a new playground on another node`);
        } else if (typeof m.state === 'string' && typeof m.machine === 'string') playground?.machineState(m.machine, m.state as Machine['state'], typeof m.detail === 'string' ? m.detail : undefined);
      });
      let why = '';
      link.on('error', (error: NodeJS.ErrnoException) => {
        why = error.message;
        if (!answered && (error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH')) reject(new NotListening(error.message));
      });
      link.once('close', () => {
        clearInterval(watchdog);
        if (!playground) return reject(answered ? RuntimeErrors.BootFailed(spec.machines.map((x) => x.name).join(', '), `the runner of ${service.name} closed the connection`) : new NotListening(why || 'connection closed'));
        if (!playground.disposing && !playground.isLost) this.#linksLost++;
        playground.lost(`the runner of this playground went away (${why || 'connection closed'}); its node may have failed or been drained`);
      });
    });
  }

  async #dispose(service: RunnerService, address: RunnerAddress): Promise<void> {
    await new Promise<void>((resolve) => {
      const socket = openRunner(address, { op: 'dispose' });
      const timer = setTimeout(() => socket.destroy(), 10_000);
      socket.on('error', () => {});
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      readLines(socket, () => socket.end());
    });
    await this.#remove(service);
  }

  async #remove(service: RunnerService): Promise<void> {
    this.#held.delete(service.id);
    await this.#coordinator.deleteSecret(service.id).catch(() => {});
    await this.#o.docker.getService(service.id).remove().catch(() => {});
    // A secret in use cannot be removed: wait for the service's task to let go of it.
    if (service.secretId) {
      for (let i = 0; i < 50; i++) {
        try {
          await this.#o.docker.getSecret(service.secretId).remove();
          break;
        } catch (error) {
          if (/not found|no such/i.test(String((error as Error).message))) break;
          await sleep(200);
        }
      }
    }
  }
}

class NotListening extends Error {}

class SwarmPlayground implements RunningPlayground {
  readonly machines: readonly RemoteMachine[];
  #dispose: () => Promise<void>;
  #disposing: Promise<void> | undefined;

  constructor(machines: RemoteMachine[], dispose: () => Promise<void>) {
    this.machines = machines;
    this.#dispose = dispose;
  }

  machine(name: string): Machine {
    const m = this.machines.find((x) => x.name === name);
    if (!m) throw new Error(`no machine ${name} in this playground (machines: ${this.machines.map((x) => x.name).join(', ')})`);
    return m;
  }

  machineState(name: string, state: Machine['state'], detail: string | undefined): void {
    this.machines.find((m) => m.name === name)?.setState(state, detail);
  }

  get disposing(): boolean {
    return this.#disposing !== undefined;
  }

  #lost = false;

  get isLost(): boolean {
    return this.#lost;
  }

  /** The link is gone or the runner is stopping (not by our dispose): every machine has failed, with the first reason given. */
  lost(detail: string): void {
    if (this.#disposing || this.#lost) return;
    this.#lost = true;
    for (const m of this.machines) m.setState('failed', detail);
  }

  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      for (const m of this.machines) m.setState('stopped');
      await this.#dispose();
    })();
    return this.#disposing;
  }
}
