import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';

/**
 * A three-node Docker Swarm on this one machine, for tests: a private Linux
 * bridge with no address and no uplink, one network namespace per node
 * (manager, worker1, worker2), one dockerd per namespace (own data-root,
 * exec-root, pidfile, unix socket, mount and UTS namespace, cgroup), and an
 * internal attachable overlay network. Nothing it starts can reach beyond the
 * bridge: no docker0, no NAT, no route out of a node's namespace, IPv6 off on
 * every interface it creates (no router solicitations, no MLD), static
 * neighbour entries between nodes (no ARP), and FORWARD rules in the host's
 * firewall that drop anything routed into or out of the bridge.
 *
 * Everything is recorded in `<dir>/state.json` as it is created, so
 * `teardown()` (and `reapStaleSwarms()` after a killed run) removes exactly
 * what this run made and leaves `ip_forward` and the firewall as found.
 */
export interface SwarmNode {
  name: string;
  netns: string;
  address: string;
  socketPath: string;
  docker: Docker;
  /** The swarm's node id. */
  nodeId: string;
  /** The namespace's launcher process (dockerd execs in it). */
  process: ChildProcess;
}

export interface SwarmCluster {
  id: string;
  dir: string;
  bridge: string;
  manager: SwarmNode;
  workers: SwarmNode[];
  nodes: SwarmNode[];
  /** Name of the internal, attachable overlay network sessions use. */
  overlay: string;
  overlaySubnet: string;
  /** Kills every process of a node at once (dockerd, containerd, shims, containers): a node failure, not a drain. */
  killNode(node: SwarmNode): void;
  /** Removes services, networks, dockerds, namespaces, firewall rules, the bridge and every file; safe to call twice. */
  teardown(): Promise<void>;
}

interface State {
  owner: number;
  id: string;
  bridge: string;
  netns: string[];
  rules: string[][];
  cgroups: string[];
  ipForward: string;
  pids: number[];
}

const ROOT = '/tmp';
const CGROUP_ROOT = '/sys/fs/cgroup';

/** Why this machine cannot run the swarm tests, or undefined when it can. */
export function swarmUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, a bridge, dockerd)';
  // Each node's processes live in a cgroup of their own (that is how a node is killed at once): v1 hierarchies only, so far.
  if (!existsSync(path.join(CGROUP_ROOT, 'pids', 'cgroup.procs'))) return 'needs cgroup v1 with the pids controller at /sys/fs/cgroup/pids (this host has cgroup v2 or no pids controller)';
  for (const tool of ['dockerd', 'ip', 'iptables', 'iptables-save', 'unshare', 'nsenter']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      return `needs ${tool} (apt-get install docker.io iptables iproute2 util-linux)`;
    }
  }
  return undefined;
}

function run(cmd: string, args: string[], options: { allowFail?: boolean; input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(options.input !== undefined ? { input: options.input } : {}) });
  } catch (error) {
    if (options.allowFail) return '';
    const e = error as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.trim() || e.message}`);
  }
}

function inNs(ns: string, cmd: string, args: string[], options: { allowFail?: boolean } = {}): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], options);
}

function disableIpv6(iface: string, ns?: string): void {
  // Before the link comes up: an interface that is up with IPv6 sends router solicitations and MLD reports.
  if (ns) inNs(ns, 'sysctl', ['-qw', `net.ipv6.conf.${iface}.disable_ipv6=1`]);
  else writeFileSync(`/proc/sys/net/ipv6/conf/${iface}/disable_ipv6`, '1');
}

function saveState(dir: string, state: State): void {
  writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
}

/** Creates the swarm: about 20-40 s on a loaded 2-core machine. */
export async function startSwarm(options: { workers?: number; onLog?: (line: string) => void } = {}): Promise<SwarmCluster> {
  const why = swarmUnavailable();
  if (why) throw new Error(`cannot start a test swarm: ${why}`);
  await reapStaleSwarms();
  const log = options.onLog ?? (() => {});
  const id = randomBytes(2).toString('hex');
  const octet = 16 + (parseInt(id, 16) % 200);
  const dir = path.join(ROOT, `lks-${id}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const bridge = `lks${id}`;
  const state: State = { owner: process.pid, id, bridge, netns: [], rules: [], cgroups: [], ipForward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), pids: [] };
  saveState(dir, state);
  const names = ['manager', ...Array.from({ length: options.workers ?? 2 }, (_, i) => `worker${i + 1}`)];
  const nodes: SwarmNode[] = [];
  let torn: Promise<void> | undefined;
  const teardown = () => (torn ??= teardownState(dir, state, nodes, log));
  const onSignal = (signal: NodeJS.Signals) => {
    void teardown().finally(() => process.kill(process.pid, signal));
  };
  try {
    // The bridge: no address (the host cannot route to it), no IPv6, no multicast snooping queries.
    run('ip', ['link', 'add', bridge, 'type', 'bridge', 'mcast_snooping', '0', 'mcast_querier', '0']);
    disableIpv6(bridge);
    run('ip', ['link', 'set', bridge, 'up']);
    // Nothing is routed between the bridge and anything else, whatever ip_forward says (bridged frames between nodes are not affected).
    for (const rule of [['FORWARD', '-i', bridge, '!', '-o', bridge, '-j', 'DROP'], ['FORWARD', '!', '-i', bridge, '-o', bridge, '-j', 'DROP']]) {
      run('iptables', ['-w', '-I', ...rule]);
      state.rules.push(rule);
      saveState(dir, state);
    }
    const links: Array<{ name: string; ns: string; iface: string; address: string; mac: string }> = [];
    names.forEach((name, i) => {
      const ns = `lks${id}-${name}`;
      run('ip', ['netns', 'add', ns]);
      state.netns.push(ns);
      saveState(dir, state);
      inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
      inNs(ns, 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
      inNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
      const host = `lks${id}h${i}`;
      const iface = `lks${id}n${i}`;
      run('ip', ['link', 'add', host, 'type', 'veth', 'peer', 'name', iface]);
      disableIpv6(host);
      disableIpv6(iface);
      run('ip', ['link', 'set', iface, 'netns', ns]);
      disableIpv6(iface, ns);
      run('ip', ['link', 'set', host, 'master', bridge, 'up']);
      const address = `10.213.${octet}.${i + 2}`;
      inNs(ns, 'ip', ['addr', 'add', `${address}/24`, 'dev', iface]);
      inNs(ns, 'ip', ['link', 'set', iface, 'up']);
      const mac = JSON.parse(inNs(ns, 'ip', ['-j', 'link', 'show', iface]))[0].address as string;
      links.push({ name, ns, iface, address, mac });
    });
    // Static neighbours both ways: the nodes never need to ARP for each other.
    for (const a of links) for (const b of links) if (a !== b) inNs(a.ns, 'ip', ['neigh', 'replace', b.address, 'lladdr', b.mac, 'dev', a.iface, 'nud', 'permanent']);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, onSignal);

    for (const link of links) {
      const nodeDir = path.join(dir, link.name);
      mkdirSync(nodeDir, { recursive: true });
      const cgroup = `lks-${id}/${link.name}`;
      for (const controller of cgroupControllers()) {
        mkdirSync(path.join(CGROUP_ROOT, controller, cgroup), { recursive: true });
        // A cpuset group takes no process until it has cpus and mems (copied down from the root).
        if (controller === 'cpuset') {
          for (const file of ['cpuset.cpus', 'cpuset.mems']) {
            const value = readFileSync(path.join(CGROUP_ROOT, 'cpuset', file), 'utf8');
            for (const at of [`lks-${id}`, cgroup]) writeFileSync(path.join(CGROUP_ROOT, 'cpuset', at, file), value);
          }
        }
      }
      state.cgroups.push(cgroup);
      saveState(dir, state);
      const socketPath = path.join(nodeDir, 'docker.sock');
      const dockerd = [
        'dockerd',
        `--data-root=${nodeDir}/data`,
        `--exec-root=${nodeDir}/exec`,
        `--pidfile=${nodeDir}/docker.pid`,
        `--host=unix://${socketPath}`,
        // No docker0, no NAT, no forwarding, nothing resolves public names.
        '--bridge=none',
        '--ip-forward=false',
        '--ip-masq=false',
        '--userland-proxy=false',
        '--dns=127.0.0.1',
        `--cgroup-parent=/${cgroup}/containers`,
        '--log-level=warn',
      ].join(' ');
      // Own mount namespace (a private /run/docker and /run/containerd: three daemons share no paths),
      // own hostname (swarm node names), and a cgroup that holds the daemon and everything it starts.
      const script = [
        `exec >${nodeDir}/dockerd.log 2>&1`,
        'set -e',
        ...cgroupControllers().map((c) => `echo $$ > ${CGROUP_ROOT}/${c}/${cgroup}/cgroup.procs`),
        // A sysfs of this network namespace (dockerd reads /sys/class/net), with the host's cgroup tree kept under it.
        `mkdir -p ${nodeDir}/cg /run/docker /run/containerd`,
        `mount --rbind ${CGROUP_ROOT} ${nodeDir}/cg`,
        'mount -t sysfs sysfs /sys',
        `mount --rbind ${nodeDir}/cg ${CGROUP_ROOT}`,
        `umount -l ${nodeDir}/cg`,
        'mount -t tmpfs -o mode=0711 tmpfs /run/docker',
        'mount -t tmpfs -o mode=0711 tmpfs /run/containerd',
        `hostname lks-${id}-${link.name}`,
        `exec ${dockerd}`,
      ].join('\n');
      const child = spawn('nsenter', [`--net=/run/netns/${link.ns}`, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
      state.pids.push(child.pid!);
      saveState(dir, state);
      nodes.push({ name: link.name, netns: link.ns, address: link.address, socketPath, docker: new Docker({ socketPath }), nodeId: '', process: child });
    }
    await Promise.all(nodes.map((n) => waitForDocker(n, path.join(dir, n.name, 'dockerd.log'))));
    log(`dockerd up in ${nodes.length} namespaces`);
    const [manager, ...workers] = nodes as [SwarmNode, ...SwarmNode[]];
    manager.nodeId = await manager.docker.swarmInit({ ListenAddr: `${manager.address}:2377`, AdvertiseAddr: `${manager.address}:2377`, Spec: { Labels: { 'labkit.test': id } } });
    const swarm = (await manager.docker.swarmInspect()) as { JoinTokens: { Worker: string } };
    for (const w of workers) {
      await w.docker.swarmJoin({ ListenAddr: `${w.address}:2377`, AdvertiseAddr: `${w.address}:2377`, RemoteAddrs: [`${manager.address}:2377`], JoinToken: swarm.JoinTokens.Worker });
      w.nodeId = ((await w.docker.info()) as { Swarm: { NodeID: string } }).Swarm.NodeID;
    }
    // The manager stays active: lab serve's replicas attach to the overlay there (a drained node takes no
    // network attachment). Session services are kept off it by their placement constraint (node.role==worker).
    for (const w of workers) {
      const node = manager.docker.getNode(w.nodeId);
      const info = (await node.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
      await node.update({ version: info.Version.Index, ...info.Spec, Labels: { 'labkit.node': w.name } });
    }
    await waitFor(async () => ((await manager.docker.listNodes()) as Array<{ Status: { State: string } }>).filter((n) => n.Status.State === 'ready').length === nodes.length, 60_000, 'every node ready');
    const overlay = `lks-${id}-sessions`;
    const overlaySubnet = `10.214.${octet}.0/24`;
    // Internal: no docker_gwbridge leg, no way out of the overlay. Attachable: lab serve's replicas join it.
    await manager.docker.createNetwork({ Name: overlay, Driver: 'overlay', Attachable: true, Internal: true, IPAM: { Config: [{ Subnet: overlaySubnet }] }, Labels: { 'labkit.test': id } });
    log(`swarm formed: manager ${manager.address}, workers ${workers.map((w) => w.address).join(', ')}; overlay ${overlay}`);
    return {
      id,
      dir,
      bridge,
      manager,
      workers,
      nodes,
      overlay,
      overlaySubnet,
      killNode(node) {
        killCgroup(`lks-${id}/${node.name}`);
      },
      teardown: async () => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
        await teardown();
      },
    };
  } catch (error) {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.off(signal, onSignal);
    await teardown().catch(() => {});
    throw error;
  }
}

function cgroupControllers(): string[] {
  return ['pids', 'memory', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'blkio', 'systemd'].filter((c) => existsSync(path.join(CGROUP_ROOT, c, 'cgroup.procs')));
}

/** Every pid in a cgroup and below it (pids hierarchy). */
function cgroupPids(cgroup: string): number[] {
  const out: number[] = [];
  const walk = (at: string) => {
    if (!existsSync(at)) return;
    for (const line of readFileSync(path.join(at, 'cgroup.procs'), 'utf8').split('\n')) if (line) out.push(Number(line));
    for (const entry of readdirSync(at, { withFileTypes: true })) if (entry.isDirectory()) walk(path.join(at, entry.name));
  };
  walk(path.join(CGROUP_ROOT, 'pids', cgroup));
  return out;
}

function killCgroup(cgroup: string): void {
  // Frozen first, so nothing forks while the list is read; then every process is killed and the group thawed.
  const freezer = path.join(CGROUP_ROOT, 'freezer', cgroup);
  const frozen = existsSync(path.join(freezer, 'freezer.state'));
  if (frozen) writeFileSync(path.join(freezer, 'freezer.state'), 'FROZEN');
  for (const pid of cgroupPids(cgroup)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  if (frozen) writeFileSync(path.join(freezer, 'freezer.state'), 'THAWED');
}

function rmCgroup(cgroup: string): void {
  for (const controller of cgroupControllers()) {
    const at = path.join(CGROUP_ROOT, controller, cgroup);
    const remove = (p: string) => {
      if (!existsSync(p)) return;
      for (const entry of readdirSync(p, { withFileTypes: true })) if (entry.isDirectory()) remove(path.join(p, entry.name));
      try {
        rmSync(p, { recursive: false, force: true });
      } catch {
        try {
          execFileSync('rmdir', [p], { stdio: 'ignore' });
        } catch {}
      }
    };
    remove(at);
  }
}

class DockerdExited extends Error {}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (error instanceof DockerdExited) throw error;
      last = error;
    }
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await sleep(250);
  }
}

async function waitForDocker(node: SwarmNode, logPath: string): Promise<void> {
  await waitFor(
    async () => {
      if (node.process.exitCode !== null) throw new DockerdExited(`dockerd of ${node.name} exited (${node.process.exitCode}): ${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : ''}`);
      await node.docker.ping();
      return true;
    },
    60_000,
    `dockerd of ${node.name}`,
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-2000) : ''}`);
  });
}

async function teardownState(dir: string, state: State, nodes: SwarmNode[], log: (line: string) => void): Promise<void> {
  const manager = nodes[0];
  if (manager) {
    // Services and networks first, through the API: that is what a real cleanup does, and what the tests verify.
    try {
      const services = await manager.docker.listServices();
      await Promise.all(services.map((s) => manager.docker.getService(s.ID!).remove().catch(() => {})));
      const networks = await manager.docker.listNetworks({ filters: { label: [`labkit.test=${state.id}`] } });
      for (const n of networks) await manager.docker.getNetwork(n.Id).remove().catch(() => {});
    } catch {}
  }
  for (const pid of state.pids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  }
  await sleep(500);
  for (const cgroup of state.cgroups) killCgroup(cgroup);
  for (const cgroup of state.cgroups) {
    for (let i = 0; i < 40 && cgroupPids(cgroup).length; i++) await sleep(100);
    rmCgroup(cgroup);
  }
  rmCgroup(`lks-${state.id}`);
  // Deleting a namespace deletes the veth end in it, and with it the peer on the bridge.
  for (const ns of state.netns) run('ip', ['netns', 'del', ns], { allowFail: true });
  run('ip', ['link', 'del', state.bridge], { allowFail: true });
  for (const rule of state.rules) run('iptables', ['-w', '-D', ...rule], { allowFail: true });
  const forward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  if (forward !== state.ipForward) writeFileSync('/proc/sys/net/ipv4/ip_forward', state.ipForward);
  // dockerd mounted its overlay layers in its own mount namespace, gone with it: plain files are left.
  for (let i = 0; i < 5; i++) {
    try {
      rmSync(dir, { recursive: true, force: true });
      break;
    } catch {
      await sleep(500);
    }
  }
  log(`swarm ${state.id} removed`);
}

/** Removes what a killed test run left behind (its owner process is gone). */
export async function reapStaleSwarms(): Promise<string[]> {
  const reaped: string[] = [];
  for (const entry of readdirSync(ROOT)) {
    if (!/^lks-[0-9a-f]{4}$/.test(entry)) continue;
    const file = path.join(ROOT, entry, 'state.json');
    if (!existsSync(file)) continue;
    const state = JSON.parse(readFileSync(file, 'utf8')) as State;
    try {
      process.kill(state.owner, 0);
      continue;
    } catch {}
    await teardownState(path.join(ROOT, entry), state, [], () => {});
    reaped.push(state.id);
  }
  return reaped;
}

/** What the harness leaves on the host if teardown missed something (empty when clean). */
export function leftovers(id: string): string[] {
  const found: string[] = [];
  if (run('ip', ['netns', 'list'], { allowFail: true }).includes(`lks${id}`)) found.push('network namespace');
  if (run('ip', ['-br', 'link'], { allowFail: true }).includes(`lks${id}`)) found.push('link');
  if (run('iptables', ['-w', '-S', 'FORWARD'], { allowFail: true }).includes(`lks${id}`)) found.push('iptables rule');
  if (existsSync(path.join(ROOT, `lks-${id}`))) found.push('state folder');
  if (existsSync(path.join(CGROUP_ROOT, 'pids', `lks-${id}`))) found.push('cgroup');
  return found;
}

// `node swarm-harness.ts reap`: clean up after a killed run by hand.
if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'reap') {
  void reapStaleSwarms().then((ids) => console.log(ids.length ? `removed ${ids.join(', ')}` : 'nothing to remove'));
}
