import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventsClient, post, qemuWith } from './helpers.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const content = path.join(here, 'fixtures', 'content');
const lab = path.resolve(here, '../../../cli/bin/lab.js');

describe('lab serve killed with SIGKILL (a real process, real VMs)', () => {
  it('leaves no QEMU process and no temp files behind', async () => {
    const child = spawn(process.execPath, [lab, 'serve', content, '--port', '0', '--pool', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(d.toString());
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`lab serve exited ${code}: ${stderr}`)));
    });
    const runDir = /run dir (\S+)\)/.exec(stderr)![1]!;
    const s = await post(`${url}sessions`, { item: 'challenge:live-tasks' });
    expect(s.status).toBe(201);
    const events = new EventsClient(`${url.replace('http', 'ws')}sessions/${s.body.token}/events`);
    await events.opened;
    await events.waitFor((m) => (m.type === 'playground' && m.status === 'running') || (m.type === 'snapshot' && m.playground === 'running'), 180_000);
    expect(qemuWith(runDir).length).toBeGreaterThan(0);
    expect(existsSync(runDir)).toBe(true);

    child.kill('SIGKILL');
    await expect.poll(() => qemuWith(runDir), { timeout: 20_000, interval: 250 }).toEqual([]);
    await expect.poll(() => existsSync(runDir), { timeout: 20_000, interval: 250 }).toBe(false);
    events.close();
  }, 300_000);
});
