import { connect } from 'node:net';
import type { SpawnedProcess, SpawnRequest } from '../../src/provider.ts';
import { FakeMachine } from './fake-provider.ts';

/** A machine whose guest ports are host loopback servers. */
export class PortMachine extends FakeMachine {
  contacted: number[] = [];
  readonly ports: Map<number, number>;
  constructor(name: string, ports: Map<number, number>) {
    super(name);
    this.ports = ports;
  }
  spawn(req: SpawnRequest): SpawnedProcess {
    const port = Number(/^exec nc 127\.0\.0\.1 (\d+)$/.exec(req.script)?.[1]);
    this.contacted.push(port);
    const hostPort = this.ports.get(port);
    let settle!: () => void;
    const result = new Promise<{ exitCode: number; timedOut: boolean; stdout: string; stderr: string; truncated: boolean; durationMs: number }>((resolve) => (settle = () => resolve({ exitCode: 0, timedOut: false, stdout: '', stderr: '', truncated: false, durationMs: 1 })));
    if (!hostPort) {
      queueMicrotask(settle); // nc: connection refused, exits
      return { write() {}, end() {}, kill() {}, result };
    }
    const s = connect(hostPort, '127.0.0.1');
    s.on('data', (d: Buffer) => req.onOutput('stdout', d));
    s.on('close', settle);
    s.on('error', () => settle());
    return { write: (d: Buffer) => void s.write(d), end: () => void s.end(), kill: () => void s.destroy(), result };
  }
}

