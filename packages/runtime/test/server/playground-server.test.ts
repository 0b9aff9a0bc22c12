import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../../src/index.ts';
import { EventsClient, TerminalClient, get, post, qemuWith, type Json } from './helpers.ts';

// The real server, real QEMU guests (TCG here), real sockets: every
// behaviour a learner's browser relies on, minus the browser.
const content = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'content');
let server: ServeHandle;
let base: string;
let ws: string;

beforeAll(async () => {
  server = await serve({ dir: content, port: 0, poolSize: 1, limits: { maxSessions: 3, idleTimeoutMs: 600_000 } });
  base = server.url;
  ws = base.replace(/^http/, 'ws');
}, 180_000);

afterAll(async () => {
  await server?.close();
});

async function startSession(item: string): Promise<{ token: string; events: EventsClient }> {
  const r = await post(`${base}sessions`, { item });
  expect(r.status).toBe(201);
  const token = r.body.token as string;
  const events = new EventsClient(`${ws}sessions/${token}/events`);
  await events.opened;
  return { token, events };
}

/** The playground is running: said by an event, or by the snapshot when the socket connected after it. */
const isRunning = (m: Json) => (m.type === 'playground' && m.status === 'running') || (m.type === 'snapshot' && m.playground === 'running');
const isTask = (task: string, status: string) => (m: Json) => m.type === 'task' && m.task === task && m.status === status;

describe('lab serve (real VMs)', () => {
  it('binds 127.0.0.1, answers health and metrics', async () => {
    expect(server.host).toBe('127.0.0.1');
    const h = await get(`${base}health`);
    expect(h.status).toBe(200);
    expect(h.body.ok).toBe(true);
    const m = await fetch(`${base}metrics`);
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await m.text();
    expect(text).toMatch(/^# TYPE labkit_sessions_active gauge$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+$/m);
  });

  it('runs a session: init, terminal, live status, hints, user input; check output never reaches the browser', async () => {
    const { token, events } = await startSession('challenge:live-tasks');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 random bits
    await events.waitFor((m) => isTask('init_secret', 'completed')(m) || (m.type === 'snapshot' && (m.tasks as Json[]).some((t) => t.name === 'init_secret' && t.status === 'completed')), 180_000);
    await events.waitFor(isRunning);
    const term = new TerminalClient(`${ws}sessions/${token}/terminal/busybox?cols=100&rows=30`);
    await term.opened.catch(async () => {
      // the machine of a single-machine playground is named after the playground
      throw new Error('terminal refused');
    });
    await term.waitFor(/~ # /);
    term.type('stty size; touch /root/almost\r');
    await term.waitFor(/30 100/);
    const hint = await events.waitFor((m) => m.type === 'hint' && m.task === 'verify_done' && String(m.hint).includes('Almost'), 60_000);
    expect(hint.hint).toBe('Almost: now create /root/done.');
    term.type('touch /root/done\r');
    await events.waitFor(isTask('verify_done', 'completed'), 60_000);

    // The answer of a user-input task reaches the check through x(.input).
    expect((await post(`${base}sessions/${token}/input`, { task: 'verify_answer', value: '41' })).status).toBe(200);
    await events.waitFor((m) => m.type === 'task' && m.task === 'verify_answer' && m.status === 'running', 30_000);
    expect((await post(`${base}sessions/${token}/input`, { task: 'verify_answer', value: '42' })).status).toBe(200);
    await events.waitFor(isTask('verify_answer', 'completed'), 60_000);
    await events.waitFor((m) => m.type === 'playground' && m.status === 'completed', 30_000);
    expect(JSON.stringify(events.messages)).not.toContain('the-init-secret');
    expect(events.messages.some((m) => m.type === 'output' || m.type === 'result')).toBe(false);

    // Reconnect: the same shell, with its recent output replayed.
    term.close();
    const again = new TerminalClient(`${ws}sessions/${token}/terminal/busybox`);
    await again.opened;
    await again.waitFor(/touch \/root\/done/);
    again.type('echo "pid=$$"\r');
    await again.waitFor(/pid=\d+/);
    again.close();

    events.close();
    expect((await post(`${base}sessions/${token}/stop`)).status).toBe(200);
    expect((await get(`${base}sessions/${token}`)).status).toBe(404);
  }, 300_000);

  it('keeps learners apart: a token reaches only its own machine, a guessed one nothing', async () => {
    const a = await startSession('challenge:live-tasks');
    const b = await startSession('challenge:live-tasks');
    await a.events.waitFor(isRunning, 180_000);
    await b.events.waitFor(isRunning, 180_000);
    const ta = new TerminalClient(`${ws}sessions/${a.token}/terminal/busybox`);
    const tb = new TerminalClient(`${ws}sessions/${b.token}/terminal/busybox`);
    await Promise.all([ta.opened, tb.opened]);
    ta.type('echo learner-a > /root/mine; echo WROTE\r');
    await ta.waitFor(/^WROTE/m);
    tb.type('cat /root/mine 2>&1 || echo NOT-HERE\r');
    await tb.waitFor(/NOT-HERE/);
    // A's answer does not complete B's task.
    await post(`${base}sessions/${a.token}/input`, { task: 'verify_answer', value: '42' });
    await a.events.waitFor(isTask('verify_answer', 'completed'), 60_000);
    expect(b.events.messages.some(isTask('verify_answer', 'completed'))).toBe(false);

    const guessed = 'A'.repeat(43);
    expect((await get(`${base}sessions/${guessed}`)).status).toBe(404);
    expect((await post(`${base}sessions/${guessed}/input`, { task: 'verify_answer', value: '42' })).status).toBe(404);
    const bad = new TerminalClient(`${ws}sessions/${guessed}/terminal/busybox`);
    await expect(bad.opened).rejects.toThrow(/404/);
    // Sessions only start items of the server's own content: no scripts from requests.
    expect((await post(`${base}sessions`, { item: 'challenge:nope', tasks: { x: { run: 'reboot' } } })).status).toBe(404);

    for (const s of [a, b]) {
      s.events.close();
      await post(`${base}sessions/${s.token}/stop`);
    }
    ta.close();
    tb.close();
  }, 300_000);

  it('fails the task on a failcheck failure (only that task: the playground keeps running) and restarts on fresh machines', async () => {
    const { token, events } = await startSession('challenge:fragile');
    await events.waitFor(isRunning, 180_000);
    const term = new TerminalClient(`${ws}sessions/${token}/terminal/busybox`);
    await term.opened;
    term.type('rm /etc/keep\r');
    const failed = await events.waitFor(isTask('verify_other', 'failed'), 60_000);
    expect(failed.detail).toMatch(/You deleted \/etc\/keep/);
    expect(events.messages.some((m) => m.type === 'playground' && m.status === 'failed')).toBe(false);
    expect((await post(`${base}sessions/${token}/restart`)).status).toBe(202);
    await events.waitFor((m) => m.type === 'session' && m.attempt === 2 && m.state === 'running', 180_000);
    // Fresh machines: /etc/keep is back and the check runs again.
    await events.waitFor((m) => m.type === 'snapshot' && m.attempt === 2);
    const t2 = new TerminalClient(`${ws}sessions/${token}/terminal/busybox`);
    await t2.opened;
    t2.type('ls /etc/keep && touch /root/other\r');
    await events.waitFor((m, i = events.messages.indexOf(m)) => isTask('verify_other', 'completed')(m) && i > events.messages.indexOf(failed), 60_000);
    events.close();
    await post(`${base}sessions/${token}/stop`);
  }, 300_000);

  it('survives a VM crash: the session fails, its machines are gone, a restart works', async () => {
    const { token, events } = await startSession('challenge:crashbox');
    await events.waitFor(isRunning, 180_000);
    const session = server.playgrounds.sessions.find((s) => s.token === token)!;
    const pids = session.machines.map((m) => (m as unknown as { pid: number }).pid);
    expect(pids).toHaveLength(1);
    expect(qemuWith(server.runDir)).toContain(pids[0]);
    const before = new Set(pids);
    process.kill(pids[0]!, "SIGKILL");
    await events.waitFor((m) => m.type === 'session' && m.state === 'failed', 60_000);
    expect(session.machines).toHaveLength(0);
    for (const pid of before) await expect.poll(() => existsSync(`/proc/${pid}`), { timeout: 10_000 }).toBe(false);
    expect((await post(`${base}sessions/${token}/restart`)).status).toBe(202);
    await events.waitFor((m) => m.type === 'session' && m.attempt === 2 && m.state === 'running', 180_000);
    events.close();
    await post(`${base}sessions/${token}/stop`);
  }, 300_000);

  it('leaves no QEMU and no temp files once the server closes', async () => {
    const { events } = await startSession('challenge:live-tasks');
    await events.waitFor(isRunning, 180_000);
    expect(qemuWith(server.runDir).length).toBeGreaterThan(0);
    const runDir = server.runDir;
    expect((await readdir(runDir)).some((f) => f.startsWith('labkit-vm-'))).toBe(true);
    await server.close();
    expect(qemuWith(runDir)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  }, 300_000);
});
