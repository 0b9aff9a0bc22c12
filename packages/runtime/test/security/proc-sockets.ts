import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface InetSocket {
  table: string;
  local: string;
  remote: string;
  inode: number;
}

/** The socket inodes process `pid` holds open (from /proc/<pid>/fd). */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed between readdir and readlink
    }
  }
  return inodes;
}

/** /proc/net addresses are hex in host (little-endian) byte order per 32-bit word. */
function decode(hex: string): string {
  const [addr, port] = hex.split(':') as [string, string];
  const words = addr.match(/.{8}/g)!.map((w) => Buffer.from(w, 'hex').reverse());
  const bytes = Buffer.concat(words);
  const p = parseInt(port, 16);
  if (bytes.length === 4) return `${[...bytes].join('.')}:${p}`;
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  return `[${groups.join(':')}]:${p}`;
}

/** True for 127.0.0.0/8, ::1, ::ffff:127.x, and the unbound/unconnected all-zero address only when `allowAny`. */
export function isLoopback(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':'));
  if (/^127\./.test(host)) return true;
  if (host === '[0:0:0:0:0:0:0:1]') return true;
  return /^\[0:0:0:0:0:ffff:7f[0-9a-f]{2}:[0-9a-f]+\]$/.test(host);
}

/** Every TCP, UDP and raw socket (v4 and v6) that process `pid` owns, with its local and remote address. */
export function inetSocketsOf(pid: number): InetSocket[] {
  const mine = socketInodes(pid);
  const out: InetSocket[] = [];
  for (const table of ['tcp', 'tcp6', 'udp', 'udp6', 'raw', 'raw6', 'udplite', 'udplite6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      const inode = Number(cols[9]);
      if (mine.has(inode)) out.push({ table, local: decode(cols[1]!), remote: decode(cols[2]!), inode });
    }
  }
  return out;
}

/** Sockets of `pid` that are bound to, or connected to, an address that is not loopback. */
export function offHostSocketsOf(pid: number): InetSocket[] {
  return inetSocketsOf(pid).filter((s) => !isLoopback(s.local) || (!/^(0\.0\.0\.0|\[0:0:0:0:0:0:0:0\]):0$/.test(s.remote) && !isLoopback(s.remote)));
}

/** Multicast groups joined in this network namespace, per device (/proc/net/igmp and igmp6). */
export function multicastGroups(): Set<string> {
  const groups = new Set<string>();
  let device = '';
  for (const line of readFileSync('/proc/net/igmp', 'utf8').split('\n').slice(1)) {
    const dev = /^\d+\s+(\S+)\s*:/.exec(line);
    if (dev) device = dev[1]!;
    else if (line.trim()) groups.add(`${device} ${line.trim().split(/\s+/)[0]}`);
  }
  try {
    for (const line of readFileSync('/proc/net/igmp6', 'utf8').split('\n')) {
      const cols = line.trim().split(/\s+/);
      if (cols.length >= 3) groups.add(`${cols[1]} ${cols[2]}`);
    }
  } catch {
    // no IPv6
  }
  return groups;
}
