// Load test of `lab serve` on loopback: prints figures, asserts nothing but
// the absence of leaks (the CPU is shared; timings are provisional).
//
//   node bench/serve/run.ts [--learners 8] [--max-sessions 4] [--pool 2]
//
// Each learner: POST a session (retrying on an honest 503 busy), watch its
// events, open a terminal, type the solution, wait for the task to complete,
// stop. Prints sessions/min, p50/p95 time to first task status and to the
// completed task, peak memory (server + every QEMU), and checks that every
// VM and the server's run dir are gone at the end.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    learners: { type: 'string', default: '8' },
    'max-sessions': { type: 'string', default: '4' },
    pool: { type: 'string', default: '2' },
  },
});
const N = Number(values.learners);
const here = path.dirname(fileURLToPath(import.meta.url));
const lab = path.resolve(here, '../../packages/cli/bin/lab.js');
const content = path.join(here, 'content');

// Every simulated learner comes from 127.0.0.1: no per-client limit here.
const child = spawn(process.execPath, [lab, 'serve', content, '--port', '0', '--pool', String(values.pool), '--max-sessions', String(values['max-sessions']), '--max-per-client', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
let stderr = '';
child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
const base = await new Promise<string>((resolve, reject) => {
  child.stdout.on('data', (d: Buffer) => {
    const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(d.toString());
    if (m) resolve(m[1]!);
  });
  child.once('exit', (code) => reject(new Error(`lab serve exited ${code}: ${stderr}`)));
});
const runDir = /run dir (\S+)\)/.exec(stderr)![1]!;
const wsBase = base.replace(/^http/, 'ws');

// ---- memory sampling: the server and every QEMU it started (found by its run dir) ----
function rssKiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
function qemuPids(): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(runDir)) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
let peak = { totalKiB: 0, serverKiB: 0, qemus: 0 };
const sampler = setInterval(() => {
  const q = qemuPids();
  const server = rssKiB(child.pid!);
  const total = server + q.reduce((n, p) => n + rssKiB(p), 0);
  if (total > peak.totalKiB) peak.totalKiB = total;
  if (server > peak.serverKiB) peak.serverKiB = server;
  if (q.length > peak.qemus) peak.qemus = q.length;
}, 250);

// ---- learners ----
interface Result {
  firstStatusMs: number;
  completedMs: number;
  busyAnswers: number;
  queued: boolean;
}
async function post(url: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function learner(): Promise<Result> {
  const t0 = performance.now();
  let busyAnswers = 0;
  let created: { status: number; body: Record<string, unknown> };
  for (;;) {
    created = await post(`${base}sessions`, { item: 'challenge:touch-a-file' });
    if (created.status !== 503) break;
    busyAnswers++;
    await new Promise((r) => setTimeout(r, 1000));
  }
  if (created.status !== 201 && created.status !== 202) throw new Error(`session: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const token = created.body.token as string;
  // Node's own WebSocket client (the browser API), like a learner's tab.
  const events = new WebSocket(`${wsBase}sessions/${token}/events`);
  let firstStatusMs = 0;
  let terminalOpened = false;
  const done = new Promise<number>((resolve, reject) => {
    events.addEventListener('message', (e) => {
      const m = JSON.parse(String(e.data)) as { type: string; kind?: string; task?: string; status?: string; state?: string; detail?: string; playground?: string };
      // The socket may connect after the playground started: the snapshot says so.
      if (m.type === 'snapshot' && m.playground === 'running') m.type = 'playground', m.status = 'running';
      if (m.type === 'task' && m.kind === 'regular' && !firstStatusMs) firstStatusMs = performance.now() - t0;
      if (m.type === 'playground' && m.status === 'running' && !terminalOpened) {
        terminalOpened = true;
        const term = new WebSocket(`${wsBase}sessions/${token}/terminal/busybox?cols=80&rows=24`);
        term.binaryType = 'arraybuffer';
        let out = '';
        let typed = false;
        const decoder = new TextDecoder();
        term.addEventListener('message', (e) => {
          out += decoder.decode(e.data as ArrayBuffer, { stream: true });
          if (!typed && /# /.test(out)) {
            typed = true;
            term.send('0touch /root/work/done\r');
          }
        });
        events.addEventListener('close', () => term.close());
      }
      if (m.type === 'task' && m.task === 'verify_done' && m.status === 'completed') resolve(performance.now() - t0);
      if ((m.type === 'session' && (m.state === 'failed' || m.state === 'stopped')) || (m.type === 'playground' && m.status === 'failed')) reject(new Error(`session ${m.state ?? m.status}: ${m.detail ?? ''}`));
    });
    events.addEventListener('error', () => reject(new Error('events socket error')));
  });
  const completedMs = await done;
  events.close();
  await post(`${base}sessions/${token}/stop`);
  return { firstStatusMs, completedMs, busyAnswers, queued: created.status === 202 };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
};
console.log(`labkit serve bench · ${N} learners · max ${values['max-sessions']} sessions at once · pool ${values.pool} · ${os.cpus().length} cores · load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
// Let the pool fill first: a warm server is the steady state being measured.
const poolIdle = async () => ((await (await fetch(`${base}health`)).json()) as { poolIdle: number }).poolIdle;
for (let i = 0; i < 240 && (await poolIdle()) < Number(values.pool); i++) await new Promise((r) => setTimeout(r, 500));
const started = performance.now();
const settled = await Promise.allSettled(Array.from({ length: N }, () => learner()));
const wallMs = performance.now() - started;
const ok = settled.filter((r): r is PromiseFulfilledResult<Result> => r.status === 'fulfilled').map((r) => r.value);
const failed = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
const first = ok.map((r) => r.firstStatusMs);
const complete = ok.map((r) => r.completedMs);
console.log(`completed sessions: ${ok.length}/${N} in ${(wallMs / 1000).toFixed(1)} s → ${((ok.length / wallMs) * 60_000).toFixed(1)} sessions/min`);
if (ok.length) {
  console.log(`time to first task status: p50 ${(pct(first, 0.5) / 1000).toFixed(2)} s · p95 ${(pct(first, 0.95) / 1000).toFixed(2)} s`);
  console.log(`time to task completed:    p50 ${(pct(complete, 0.5) / 1000).toFixed(2)} s · p95 ${(pct(complete, 0.95) / 1000).toFixed(2)} s`);
  const direct = ok.filter((r) => !r.queued).map((r) => r.firstStatusMs);
  if (direct.length && direct.length < ok.length) console.log(`  of which not queued (${direct.length}): first task status p50 ${(pct(direct, 0.5) / 1000).toFixed(2)} s · p95 ${(pct(direct, 0.95) / 1000).toFixed(2)} s`);
  console.log(`queued at start: ${ok.filter((r) => r.queued).length} · busy (503) answers: ${ok.reduce((n, r) => n + r.busyAnswers, 0)}`);
}
for (const f of failed) console.log(`FAILED learner: ${f.reason instanceof Error ? f.reason.message : String(f.reason)}`);

// ---- leaks: sessions gone, then the server gone with every VM and its run dir ----
const health = (await (await fetch(`${base}health`)).json()) as { sessions: number; machines: number };
console.log(`after the learners: ${health.sessions} sessions, ${health.machines} machines in sessions, ${qemuPids().length} QEMU (the pool's idle ones)`);
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
for (let i = 0; i < 40 && (qemuPids().length || existsSync(runDir)); i++) await new Promise((r) => setTimeout(r, 250));
clearInterval(sampler);
console.log(`peak memory: ${(peak.totalKiB / 1024).toFixed(0)} MiB total (server ${(peak.serverKiB / 1024).toFixed(0)} MiB + ${peak.qemus} QEMU at most)`);
const leftQemu = qemuPids();
console.log(`after shutdown: ${leftQemu.length} QEMU left, run dir ${existsSync(runDir) ? 'LEFT BEHIND' : 'removed'}`);
if (leftQemu.length || existsSync(runDir) || health.sessions || health.machines || failed.length) {
  console.log('LEAK OR FAILURE: see above');
  process.exitCode = 1;
}
