import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskInput } from '@labkit/sdk';
import { buildImage, playgroundOf, QemuMachine, QemuProvider, TaskEngine, type EngineEvent } from '@labkit/runtime';

// The engine against a real booted VM. One VM serves every test: each test
// uses its own paths under /tmp/<test>, so none depends on another's state.
let vm: QemuMachine;
beforeAll(async () => {
  vm = await QemuMachine.boot({ name: 'box', image: await buildImage(), accel: 'tcg' });
}, 300_000);
afterAll(async () => {
  await vm?.dispose();
});

function engineFor(tasks: Record<string, TaskInput>, pollIntervalMs = 250) {
  const engine = new TaskEngine({ tasks, playground: playgroundOf([vm]), pollIntervalMs });
  const events: EngineEvent[] = [];
  engine.subscribe((e) => events.push(e));
  return { engine, events };
}

describe('task engine on a real VM', () => {
  it('completes a passing task, keeps polling a failing one and shows its hintcheck as the live hint', async () => {
    const { engine, events } = engineFor({
      passing: { run: 'echo fine' },
      failing: { run: 'echo "not yet"; exit 1', hintcheck: 'echo "Look in /tmp/a."' },
    });
    expect(await engine.runInit()).toBe(true);
    engine.start();
    expect(await engine.waitFor(['passing'], 30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1_500));
    await engine.stop();
    const snap = engine.snapshot();
    expect(snap.tasks.find((t) => t.name === 'passing')).toMatchObject({ status: 'completed', stdout: 'fine\n', runs: 1 });
    const failing = snap.tasks.find((t) => t.name === 'failing')!;
    expect(failing).toMatchObject({ status: 'running', hint: 'Look in /tmp/a.' });
    expect(failing.runs).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.type === 'hint')).toEqual([expect.objectContaining({ task: 'failing', hint: 'Look in /tmp/a.' })]); // only on change
    expect(events).toContainEqual(expect.objectContaining({ type: 'output', task: 'failing', script: 'run', stream: 'stdout', data: 'not yet\n' }));
    expect(snap.playground).toBe('stopped');
    expect(snap.machines).toEqual([{ name: 'box', state: 'ready' }]);
    await engine.settled();
  }, 60_000);

  it('runs init tasks once, in dependency order, before regular tasks, and passes stdout through needs + env', async () => {
    const { engine, events } = engineFor({
      // Declared out of order on purpose: the DAG decides.
      verify: {
        needs: ['init_secret', 'check_first'],
        env: ['SECRET=x(.needs.init_secret.stdout)', 'FIRST=x(.needs.check_first.stdout)'],
        run: '[ "$SECRET" = "s3cr3t-42" ] && [ "$FIRST" = "first-ok" ] && echo "x(.needs.init_secret.stdout) inline"',
      },
      init_secret: { init: true, needs: ['init_dir'], run: 'echo "$(cat /tmp/needs/order) secret" >> /tmp/needs/log; echo s3cr3t-42' },
      init_dir: { init: true, run: 'mkdir -p /tmp/needs && echo dir > /tmp/needs/order && echo "dir" >> /tmp/needs/log' },
      check_first: { run: 'grep -q secret /tmp/needs/log && echo first-ok' },
    });
    expect(await engine.runInit()).toBe(true);
    const log = await vm.exec({ script: 'cat /tmp/needs/log', timeoutMs: 10_000 });
    expect(log.stdout).toBe('dir\ndir secret\n');
    engine.start();
    expect(await engine.waitFor(undefined, 30_000)).toBe(true);
    expect(engine.snapshot().tasks.find((t) => t.name === 'verify')?.stdout).toBe('s3cr3t-42 inline\n');
    expect(engine.status).toBe('completed');
    // verify was blocked until check_first completed
    const order = events.filter((e) => e.type === 'task' && e.status === 'completed').map((e) => (e as { task: string }).task);
    expect(order).toEqual(['init_dir', 'init_secret', 'check_first', 'verify']);
    const initRuns = events.filter((e) => e.type === 'result' && e.task.startsWith('init_'));
    expect(initRuns).toHaveLength(2);
    await engine.stop();
  }, 60_000);

  it('is edge-triggered: a completed task never regresses and never runs again', async () => {
    await vm.exec({ script: 'rm -rf /tmp/edge; mkdir /tmp/edge', timeoutMs: 10_000 });
    const { engine } = engineFor({ flag: { run: 'test -f /tmp/edge/flag' }, other: { run: 'exit 1' } });
    await engine.runInit();
    engine.start();
    await new Promise((r) => setTimeout(r, 800));
    expect(engine.snapshot().tasks[0]?.status).toBe('running');
    await vm.exec({ script: 'touch /tmp/edge/flag', timeoutMs: 10_000 });
    expect(await engine.waitFor(['flag'], 20_000)).toBe(true);
    const runs = engine.snapshot().tasks[0]!.runs;
    await vm.exec({ script: 'rm /tmp/edge/flag', timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 1_200));
    expect(engine.snapshot().tasks[0]).toMatchObject({ status: 'completed', runs });
    await engine.stop();
  }, 60_000);

  it('a failing failcheck fails its task only (the format reference), not the attempt', async () => {
    const { engine, events } = engineFor({
      guarded: { failcheck: 'echo "The service crashed."; exit 1', run: 'true' },
      bystander: { run: 'exit 1' },
    });
    await engine.runInit();
    engine.start();
    expect(await engine.waitFor(['guarded'], 20_000)).toBe(false);
    expect(engine.snapshot().tasks.find((t) => t.name === 'guarded')).toMatchObject({ status: 'failed', detail: 'failcheck: The service crashed.' });
    expect(engine.status).toBe('running');
    expect(events).not.toContainEqual(expect.objectContaining({ type: 'playground', status: 'failed' }));
    expect(engine.snapshot().tasks.find((t) => t.name === 'bystander')?.status).toBe('running');
    await engine.stop();
  }, 60_000);

  it('runs helpers in the background, honours user, per-task timeout and x(.input)', async () => {
    await vm.exec({ script: 'rm -rf /tmp/helper; mkdir -m 777 /tmp/helper', timeoutMs: 10_000 });
    const { engine, events } = engineFor({
      ticker: { helper: true, run: 'echo tick >> /tmp/helper/ticks' },
      ticked: { run: '[ "$(wc -l < /tmp/helper/ticks)" -ge 2 ]' },
      as_laborant: { user: 'laborant', run: '[ "$(id -u)" = 1000 ] && [ "$HOME" = /home/laborant ]' },
      slow: { timeout_seconds: 1, run: 'sleep 5' },
      answer: { env: ['ANSWER=x(.input)'], run: '[ "$ANSWER" = 42 ] && [ "x(.input)" = 42 ]' },
    });
    await engine.runInit();
    engine.start();
    expect(await engine.waitFor(['ticked', 'as_laborant'], 30_000)).toBe(true);
    const answer = () => engine.snapshot().tasks.find((t) => t.name === 'answer')!;
    expect(answer()).toMatchObject({ status: 'waiting', detail: 'waiting for input' });
    engine.setInput('answer', '42');
    expect(await engine.waitFor(['answer'], 20_000)).toBe(true);
    const slowResult = () => events.find((e) => e.type === 'result' && e.task === 'slow');
    for (let i = 0; i < 100 && !slowResult(); i++) await new Promise((r) => setTimeout(r, 100));
    const slow = slowResult();
    expect(slow).toMatchObject({ timedOut: true });
    expect((slow as { durationMs: number }).durationMs).toBeLessThan(4_000);
    expect(engine.snapshot().tasks.find((t) => t.name === 'ticker')?.status).toBe('running');
    await engine.stop();
  }, 60_000);

  it('reports needs on unknown tasks and cycles instead of waiting forever', () => {
    const { engine } = engineFor({ a: { needs: ['b'], run: 'true' }, b: { needs: ['a'], run: 'true' }, c: { needs: ['nope'], run: 'true' } });
    const tasks = engine.snapshot().tasks;
    expect(tasks.find((t) => t.name === 'c')).toMatchObject({ status: 'failed', detail: 'needs unknown task `nope`' });
    expect(tasks.find((t) => t.name === 'a')?.detail).toMatch(/cycle|cannot run/);
  });
});

describe('multi-machine playground', () => {
  it('boots two machines on one network; a task on one reaches the other by name', async () => {
    const provider = new QemuProvider({ accel: 'tcg' });
    const playground = await provider.provision({ machines: [{ name: 'server' }, { name: 'client' }] });
    try {
      const engine = new TaskEngine({
        playground,
        pollIntervalMs: 250,
        tasks: {
          init_serve: { init: true, machine: 'server', run: 'mkdir -p /srv && echo "hello from $(hostname)" > /srv/index.html && httpd -p 8080 -h /srv' },
          fetch: { machine: 'client', run: 'wget -qO- http://server:8080/index.html' },
        },
      });
      expect(await engine.runInit()).toBe(true);
      engine.start();
      expect(await engine.waitFor(undefined, 60_000)).toBe(true);
      expect(engine.snapshot().tasks.find((t) => t.name === 'fetch')?.stdout).toBe('hello from server\n');
      await engine.stop();
    } finally {
      await playground.dispose();
    }
  }, 120_000);
});
