import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { processAlive } from '../process-alive.ts';

/** What `lab playground list` shows and what clients need to reach a playground. */
export interface PlaygroundRecord {
  id: string;
  /** What was started (`busybox`, `challenge:x`). */
  target: string;
  title: string;
  /** The supervisor's pid (the QEMUs die with it). */
  pid: number;
  /** Control socket (0600). */
  socket: string;
  machines: Array<{ name: string; user: string }>;
  startedAt: string;
  /** Init tasks ran and passed (items only). */
  init?: { tasks: number; ok: boolean };
  /** Init condition values it started with (items whose playground declares some). */
  conditions?: Record<string, string>;
  /** `--ssh`: an OpenSSH config whose hosts reach the machines through `lab ssh-proxy`. */
  ssh?: { config: string; hosts: string[] };
  /**
   * Held by a `lab test --keep-on-fail` run rather than its own supervisor:
   * `pid` is that run's, which may hold other playgrounds too, so a stop
   * waits for this record to go, not for the process to end.
   */
  keptBy?: { command: 'lab test'; failedTasks: string[] };
}

export const recordPath = (dir: string, id: string) => path.join(dir, `${id}.json`);

/** Running playgrounds; records whose supervisor is gone are removed on the way. */
export function readRecords(dir: string): PlaygroundRecord[] {
  const out: PlaygroundRecord[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const file = path.join(dir, name);
    let record: PlaygroundRecord;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as PlaygroundRecord;
    } catch {
      continue; // being written
    }
    if (!processAlive(record.pid)) {
      for (const leftover of [file, record.socket, path.join(dir, `${record.id}.log`)]) rmSync(leftover, { force: true });
      rmSync(path.join(dir, `${record.id}-ssh`), { recursive: true, force: true });
      continue;
    }
    out.push(record);
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}
