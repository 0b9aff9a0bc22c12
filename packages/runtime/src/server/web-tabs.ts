import { readComponentProps, type MdcComponentNode, type Playground, type PlaygroundEntry } from '@labkit/sdk';
import type { PlaygroundMachine } from './catalog.ts';

/**
 * Port of the in-guest file server behind an `ide` tab. No code-server can
 * be installed offline into the busybox image, so the IDE tab shows the
 * machine's files through busybox `httpd` (read-only, as the machine's
 * login user), started on this loopback port the first time it is opened.
 */
export const IDE_FILES_PORT = 41780;

/** One web tab of a playground: an HTTP service in a machine, reached through the server's proxy. */
export interface WebTab {
  /** `http-port`: the author's service; `ide`: the machine's files (see IDE_FILES_PORT). */
  kind: 'http-port' | 'ide';
  title: string;
  machine: string;
  port: number;
  /** The service speaks TLS (`tls: true`). */
  tls?: boolean;
  /** Listed in the playground's `tabs:` (a tab of its own); false: only an inline `:http-port` opens it. */
  declared: boolean;
}

interface Node {
  type: string;
  name?: string;
  children?: Node[];
}

/**
 * The web tabs of a content item: its playground's `tabs:` (the content's,
 * else the definition's), then every inline `:http-port` of its body. These
 * are the only (machine, port) pairs the proxy will reach: a learner's
 * request names one of them, never an arbitrary port.
 */
export function webTabsOf(playground: Playground, entry: PlaygroundEntry, machines: readonly PlaygroundMachine[], body: Node | undefined): WebTab[] {
  const out: WebTab[] = [];
  const names = new Set(machines.map((m) => m.name));
  const first = machines.find((m) => m.terminal)?.name ?? machines[0]?.name;
  if (!first) return out;
  const add = (tab: WebTab) => {
    if (!names.has(tab.machine) || !Number.isInteger(tab.port) || tab.port < 1 || tab.port > 65535) return;
    if (out.some((t) => t.machine === tab.machine && t.port === tab.port)) return;
    out.push(tab);
  };
  for (const t of playground.tabs ?? entry.definition.playground.tabs ?? []) {
    const machine = typeof t.machine === 'string' ? t.machine : first;
    if (t.kind === 'http-port' && typeof t.number === 'number') add({ kind: 'http-port', title: t.name ?? `Port ${t.number}`, machine, port: t.number, ...(t.tls ? { tls: true } : {}), declared: true });
    else if (t.kind === 'ide') add({ kind: 'ide', title: t.name ?? 'IDE', machine, port: IDE_FILES_PORT, declared: true });
  }
  const walk = (node: Node): void => {
    if (node.type.endsWith('Component') && node.name === 'http-port') {
      const { values } = readComponentProps(node as unknown as MdcComponentNode);
      const port = Number(values['port']);
      const machine = typeof values['machine'] === 'string' ? values['machine'] : first;
      const text = typeof values['text'] === 'string' ? values['text'] : `Port ${port}`;
      add({ kind: 'http-port', title: text, machine, port, ...(values['https'] === true ? { tls: true } : {}), declared: false });
    }
    for (const child of node.children ?? []) walk(child);
  };
  if (body) walk(body);
  return out;
}
