import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContent, type TaskInput } from '@labkit/sdk';
import {
  buildImage,
  conditionCombinations,
  inputDestinations,
  playgroundOf,
  QemuMachine,
  resolveConditions,
  selectTasks,
  TaskEngine,
  type EngineEvent,
} from '@labkit/runtime';

const here = path.dirname(fileURLToPath(import.meta.url));
const sampleChallenge = path.resolve(here, '../../../../shared/corpus/iximiuz-samples/sample-challenge');

// The platform's task semantics (issue 14), all on one booted busybox VM and
// one engine run: concurrent init tasks, conditions, :destination:, a
// failcheck scoped to its task, numeric status codes and bash.
let vm: QemuMachine;
beforeAll(async () => {
  vm = await QemuMachine.boot({ name: 'box', image: await buildImage(), accel: 'tcg' });
}, 600_000);
afterAll(async () => {
  await vm?.dispose();
});

const HOSTILE = `it's $(touch /tmp/sem/pwned) \`touch /tmp/sem/pwned\`; "q" ; echo done\n`;

const tasks: Record<string, TaskInput> = {
  // Each waits for the other's file: only concurrent init tasks both complete.
  init_a: { init: true, timeout_seconds: 20, run: 'mkdir -p /tmp/sem; touch /tmp/sem/a; until [ -f /tmp/sem/b ]; do sleep 0.1; done' },
  init_b: { init: true, timeout_seconds: 20, run: 'mkdir -p /tmp/sem; touch /tmp/sem/b; until [ -f /tmp/sem/a ]; do sleep 0.1; done' },
  init_after: { init: true, needs: ['init_a', 'init_b'], run: 'test -f /tmp/sem/a && test -f /tmp/sem/b && echo both' },
  only_v1: { conditions: [{ key: 'VERSION', value: '1' }], run: 'touch /tmp/sem/v1-ran' },
  // Its need on the other variant's task is dropped with that task.
  only_v2: { conditions: [{ key: 'VERSION', value: 2 }], needs: ['only_v1'], run: 'echo v2' },
  answer_file: { run: 'grep -qF "touch /tmp/sem/pwned" /tmp/sem/answer.txt && [ ! -e /tmp/sem/pwned ]' },
  answer_guest: { run: '[ "$(cat /tmp/sem/guest.txt)" = yes ]' },
  guarded: { failcheck: 'echo "The container is gone."; exit 1', run: 'true' },
  needs_guarded: { needs: ['guarded'], run: 'true' },
  bystander: { run: 'test -f /tmp/sem/late' },
  bash_array: { run: 'arr=(one two three); [[ ${#arr[@]} -eq 3 && ${arr[1]} == two ]] && echo "${arr[@]:1}"' },
  codes: { run: '[ "$(examinerctl task get init_a)" = 40 ] && [ "$(examinerctl task get guarded)" = 35 ] && examinerctl task wait only_v2 --timeout 5s' },
};

describe('task semantics on a real VM', () => {
  it('runs init tasks concurrently, honours conditions, :destination:, scoped failcheck, status codes and bash', async () => {
    const engine = new TaskEngine({
      tasks,
      playground: playgroundOf([vm]),
      pollIntervalMs: 250,
      conditions: { VERSION: '2' },
      destinations: { answer_file: '/tmp/sem/answer.txt', answer_guest: 'tmp/sem/../sem/guest.txt' },
    });
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));

    // Not listed: the other variant's task.
    expect(engine.snapshot().tasks.map((t) => t.name)).not.toContain('only_v1');

    const t0 = Date.now();
    expect(await engine.runInit()).toBe(true);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(engine.snapshot().tasks.find((t) => t.name === 'init_after')).toMatchObject({ status: 'completed', stdout: 'both\n' });

    engine.start();
    const byName = (n: string) => engine.snapshot().tasks.find((t) => t.name === n);
    expect(await engine.waitFor(['only_v2', 'bash_array'], 30_000)).toBe(true);
    expect(byName('bash_array')?.stdout).toBe('two three\n');

    // The failcheck fails its task and the task that needs it, nothing else.
    for (let i = 0; i < 100 && byName('needs_guarded')?.status !== 'failed'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(byName('guarded')).toMatchObject({ status: 'failed', detail: 'failcheck: The container is gone.' });
    expect(byName('needs_guarded')).toMatchObject({ status: 'failed' });
    expect(engine.status).toBe('running');
    await vm.exec({ script: 'touch /tmp/sem/late', timeoutMs: 10_000 });
    expect(await engine.waitFor(['bystander', 'codes'], 20_000)).toBe(true);

    // :destination: — the answer lands in the file as data and the task passes.
    engine.setInput('answer_file', HOSTILE);
    expect(await engine.waitFor(['answer_file'], 20_000)).toBe(true);
    const file = await vm.exec({ script: 'cat /tmp/sem/answer.txt; ls /tmp/sem', timeoutMs: 10_000 });
    expect(file.stdout.startsWith(HOSTILE)).toBe(true);
    expect(file.stdout).not.toContain('pwned\n');
    // From the guest, as a CI solution answers (a task with a destination and no x(.input)).
    await vm.exec({ script: 'printf yes | examinerctl task input answer_guest', timeoutMs: 10_000 });
    expect(await engine.waitFor(['answer_guest'], 20_000)).toBe(true);

    const v1 = await vm.exec({ script: 'test -e /tmp/sem/v1-ran', timeoutMs: 10_000 });
    expect(v1.exitCode).not.toBe(0);
    expect(events.some((e) => e.type === 'task' && e.task === 'only_v1')).toBe(false);
    const codes = await vm.exec({ script: 'examinerctl task get answer_guest; examinerctl task get guarded; examinerctl task get only_v1', timeoutMs: 10_000 });
    expect(codes.stdout).toBe('40\n35\n');
    expect(codes.exitCode).toBe(1);
    await engine.stop();
    await engine.settled();
  }, 120_000);
});

describe("the iximiuz sample challenge's input tasks", () => {
  it('pass with :destination: answers (read in place from the corpus; the Docker daemon is stubbed by commands on PATH)', async () => {
    const graph = await loadContent(sampleChallenge);
    const item = graph.items.find((i) => i.kind === 'challenge')!;
    // The docker playground's check helpers are commands on PATH; here they answer for one running container.
    const stubs: Record<string, string> = {
      docker: 'echo 4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c',
      docker_container_count_running: 'echo 1',
      docker_container_count_total: 'echo 1',
      docker_container_is_running: 'exit 0',
      docker_container_pid: 'echo 4242',
      docker_container_ip: 'echo 172.17.0.2',
    };
    for (const [name, body] of Object.entries(stubs)) await vm.copyIn({ path: `/usr/local/bin/${name}`, content: `#!/bin/sh\n${body}\n`, mode: 0o755 });
    const engine = new TaskEngine({
      tasks: Object.fromEntries(item.tasks.map((t) => [t.name, t.task])),
      playground: playgroundOf([vm]),
      pollIntervalMs: 250,
      destinations: inputDestinations(item.mdast),
    });
    expect(await engine.runInit()).toBe(true);
    engine.start();
    expect(await engine.waitFor(['verify_container'], 30_000)).toBe(true);
    engine.setInput('verify_container_id', '4f1c2d3e4f5a');
    engine.setInput('verify_container_pid', '4242');
    engine.setInput('verify_container_ip', '172.17.0.2');
    expect(await engine.waitFor(undefined, 30_000)).toBe(true);
    expect(engine.status).toBe('completed');
    const files = await vm.exec({ script: 'cat /tmp/container-id.txt; echo; cat /tmp/container-pid.txt; echo; cat /tmp/container-ip.txt', timeoutMs: 10_000 });
    expect(files.stdout).toBe('4f1c2d3e4f5a\n4242\n172.17.0.2');
    await engine.stop();
  }, 90_000);
});

describe('conditions and destinations (no VM)', () => {
  const declared = [
    { key: 'K8S', default: '1.31', options: ['1.30', '1.31'] },
    { key: 'CNI', options: ['calico', 'cilium'] },
  ];
  it('starts with the defaults (else the first option) and lets a choice override them', () => {
    expect(resolveConditions(declared)).toEqual({ K8S: '1.31', CNI: 'calico' });
    expect(resolveConditions(declared, { CNI: 'cilium' })).toEqual({ K8S: '1.31', CNI: 'cilium' });
  });
  it('enumerates every declared combination, keeping fixed choices', () => {
    const t: Record<string, TaskInput> = { a: { run: 'true', conditions: [{ key: 'MODE', value: 'fast' }] } };
    expect(conditionCombinations(declared, t)).toHaveLength(2 * 2 * 1);
    expect(conditionCombinations(declared, t, { K8S: '1.30' }).every((c) => c.K8S === '1.30')).toBe(true);
    expect(selectTasks(t, { MODE: 'slow' })).toEqual({});
  });
  it("reads the sample challenge's three :destination: files with the SDK's props reader", async () => {
    const graph = await loadContent(sampleChallenge);
    const item = graph.items.find((i) => i.kind === 'challenge')!;
    expect(inputDestinations(item.mdast)).toEqual({
      verify_container_id: '/tmp/container-id.txt',
      verify_container_pid: '/tmp/container-pid.txt',
      verify_container_ip: '/tmp/container-ip.txt',
    });
  });
});
