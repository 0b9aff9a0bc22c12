import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { RuntimeErrors } from '../errors.ts';
import type { RunningPlayground } from '../provider.ts';
import type { PlaygroundRecord } from './host-record.ts';

const run = promisify(execFile);

/** Where the host's sshd and its libraries go in each machine. */
export const GUEST_SSH_DIR = '/opt/labkit-ssh';

/**
 * The guest command `lab ssh-proxy` runs: the host's own OpenSSH sshd in
 * inetd mode (`-i`), its stdin/stdout being the SSH stream. It runs through
 * the copied dynamic loader, so the busybox image needs no libc of its own.
 */
export const GUEST_SSHD_COMMAND = `exec ${GUEST_SSH_DIR}/lib/ld.so --library-path ${GUEST_SSH_DIR}/lib ${GUEST_SSH_DIR}/sshd -i -e -f ${GUEST_SSH_DIR}/sshd_config`;

const SSHD_CONFIG = `# Written by lab playground start --ssh
HostKey ${GUEST_SSH_DIR}/host_ed25519
AuthorizedKeysFile ${GUEST_SSH_DIR}/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
UseDNS no
PrintMotd no
PrintLastLog no
AllowTcpForwarding yes
Subsystem sftp internal-sftp
LogLevel ERROR
`;

/**
 * `--ssh`: makes every machine reachable by plain OpenSSH. Nothing listens in
 * the guest: each connection runs the host's sshd in inetd mode over the
 * agent (`lab ssh-proxy` as ProxyCommand). Keys are generated per playground
 * (a client key and a host key, pinned in a known_hosts of its own); the
 * config is written beside them, 0600 in a 0700 folder. The machines get an
 * `sshd` system user (privilege separation) and /opt/labkit-ssh (~13 MB).
 */
export async function setUpSsh(playground: RunningPlayground, record: PlaygroundRecord, options: { stateDir: string; proxyCommand?: string[] }): Promise<NonNullable<PlaygroundRecord['ssh']>> {
  const dir = path.join(options.stateDir, `${record.id}-ssh`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sshd = '/usr/sbin/sshd';
  try {
    for (const key of ['id_ed25519', 'host_ed25519']) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `labkit-${record.id}`, '-f', path.join(dir, key)]);
  } catch (error) {
    throw RuntimeErrors.ToolMissing('ssh-keygen', `needed by --ssh: ${(error as Error).message}`);
  }
  let libs: string[];
  let loader: string;
  try {
    const { stdout } = await run('ldd', [sshd]);
    libs = [...stdout.matchAll(/=>\s+(\/\S+)/g)].map((m) => m[1]!);
    loader = /^\s*(\/\S*ld-linux\S*)/m.exec(stdout)?.[1] ?? '/lib64/ld-linux-x86-64.so.2';
  } catch (error) {
    throw RuntimeErrors.ToolMissing('sshd', `--ssh copies the host's OpenSSH server into the machines (${(error as Error).message})`);
  }
  const files = [
    { path: `${GUEST_SSH_DIR}/sshd`, content: readFileSync(sshd), mode: 0o755 },
    { path: `${GUEST_SSH_DIR}/lib/ld.so`, content: readFileSync(loader), mode: 0o755 },
    ...libs.map((lib) => ({ path: `${GUEST_SSH_DIR}/lib/${path.basename(lib)}`, content: readFileSync(lib), mode: 0o644 })),
    { path: `${GUEST_SSH_DIR}/sshd_config`, content: SSHD_CONFIG, mode: 0o644 },
    { path: `${GUEST_SSH_DIR}/host_ed25519`, content: readFileSync(path.join(dir, 'host_ed25519')), mode: 0o600 },
    { path: `${GUEST_SSH_DIR}/authorized_keys`, content: readFileSync(path.join(dir, 'id_ed25519.pub')), mode: 0o644 },
  ];
  const hostPub = readFileSync(path.join(dir, 'host_ed25519.pub'), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const hosts: string[] = [];
  const config: string[] = [`# lab playground ${record.id} (${record.title}): ssh -F ${path.join(dir, 'config')} <host>`];
  const known: string[] = [];
  const proxy = (options.proxyCommand ?? ['lab']).map(quoteArg).join(' ');
  for (const [i, m] of record.machines.entries()) {
    const machine = playground.machine(m.name);
    await Promise.all(files.map((f) => machine.copyIn(f)));
    const prep = await machine.exec({
      script: `mkdir -p /run/sshd && chmod 0755 /run/sshd
grep -q '^sshd:' /etc/passwd || echo 'sshd:x:74:65534:sshd privilege separation:/run/sshd:/bin/false' >> /etc/passwd
${GUEST_SSH_DIR}/lib/ld.so --library-path ${GUEST_SSH_DIR}/lib ${GUEST_SSH_DIR}/sshd -t -f ${GUEST_SSH_DIR}/sshd_config`,
      timeoutMs: 30_000,
    });
    if (prep.exitCode !== 0) throw RuntimeErrors.PlaygroundStartFailed(record.target, `sshd does not run in ${m.name}: ${(prep.stderr || prep.stdout).trim()}`);
    // The first machine also answers to the playground's id.
    const names = i === 0 ? [`${record.id}-${m.name}`, record.id] : [`${record.id}-${m.name}`];
    hosts.push(...names);
    config.push(
      '',
      `Host ${names.join(' ')}`,
      `  HostName ${m.name}`,
      `  User ${m.user}`,
      `  HostKeyAlias labkit-${record.id}`,
      `  IdentityFile ${path.join(dir, 'id_ed25519')}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${path.join(dir, 'known_hosts')}`,
      '  StrictHostKeyChecking yes',
      `  ProxyCommand ${proxy} ssh-proxy ${record.id} --machine ${m.name}`,
    );
  }
  known.push(`labkit-${record.id} ${hostPub}`);
  writeFileSync(path.join(dir, 'known_hosts'), `${known.join('\n')}\n`, { mode: 0o600 });
  const configPath = path.join(dir, 'config');
  writeFileSync(configPath, `${config.join('\n')}\n`, { mode: 0o600 });
  return { config: configPath, hosts };
}

function quoteArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
