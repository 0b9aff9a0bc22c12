import { describe, expect, it } from 'vitest';
import type { TaskInput } from '@labkit/sdk';
import { playgroundOf, TaskEngine, type EngineEvent } from '@labkit/runtime';
import { busyboxVm } from './busybox-vm.ts';

// `examinerctl task input` as the unprivileged learner, in a real VM (run
// under the heavy lock). laborant may answer now (/run/labkit/input is mode
// 1733), and the root agent must not become laborant's way to read or write
// a file laborant cannot: a symlink, FIFO or hard link left at the input
// path is refused, and a `:destination:` write never goes through a symlink
// laborant planted (at the file, on the way to it, or at a temporary name).

const vm = busyboxVm();

const asRoot = async (script: string) => vm().exec({ script, timeoutMs: 10_000 });
const asLearner = async (script: string) => vm().exec({ script, user: 'laborant', timeoutMs: 10_000 });
type Warning = Extract<EngineEvent, { type: 'warning' }>;
const warnings = (events: EngineEvent[], code: string) => events.filter((e): e is Warning => e.type === 'warning' && e.code === code);
const until = async (what: () => boolean | Promise<boolean>, ms = 20_000) => {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (await what()) return true;
  return false;
};

describe('learner answers in a real VM', () => {
  it('laborant answers an x(.input) task and a :destination: task with examinerctl', async () => {
    const tasks: Record<string, TaskInput> = {
      answer: { run: '[ "x(.input)" = 42 ]' },
      to_file: { run: '[ "$(cat /tmp/answer.txt)" = yes ]' },
    };
    const engine = new TaskEngine({ tasks, playground: playgroundOf([vm()]), pollIntervalMs: 250, destinations: { to_file: '/tmp/answer.txt' } });
    engine.start();
    const mode = await asRoot('stat -c %a:%U /run/labkit/input');
    expect(mode.stdout.trim()).toBe('1733:root');
    const answered = await asLearner('printf 42 | examinerctl task input answer && printf yes | examinerctl task input to_file');
    expect(answered, answered.stderr).toMatchObject({ exitCode: 0 });
    expect(await engine.waitFor(['answer', 'to_file'], 30_000)).toBe(true);
    // The engine took the answers out of the input folder.
    expect((await asRoot('find /run/labkit/input /run/labkit/taken -mindepth 1')).stdout).toBe('');
    await engine.stop();
    await engine.settled();
  }, 120_000);

  it('refuses a symlink, a FIFO or a hard link at the input path and never reads what it points at', async () => {
    await vm().copyIn({ path: '/root/secret', content: 'TOP SECRET\n', mode: 0o600 });
    await vm().copyIn({ path: '/run/secret', content: 'RUN SECRET\n', mode: 0o600 });
    const tasks: Record<string, TaskInput> = {
      via_link: { run: 'echo "x(.input)"' },
      via_fifo: { run: 'echo "x(.input)"' },
      via_hardlink: { run: 'echo "x(.input)"' },
    };
    const engine = new TaskEngine({ tasks, playground: playgroundOf([vm()]), pollIntervalMs: 250 });
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));
    // The kernel guard the agent turns on: laborant cannot hard-link root's file.
    const link = await asLearner('ln /run/secret /run/labkit/input/via_hardlink');
    expect(link.exitCode).not.toBe(0);
    const planted = await asLearner('ln -s /root/secret /run/labkit/input/via_link && mkfifo /run/labkit/input/via_fifo');
    expect(planted, planted.stderr).toMatchObject({ exitCode: 0 });
    // What a hard link would look like without that guard (root makes it here).
    await asRoot('ln /run/secret /run/labkit/input/via_hardlink');
    engine.start();
    expect(await until(() => warnings(events, 'GuestInputRefused').length >= 3)).toBe(true);
    expect(warnings(events, 'GuestInputRefused').map((w) => w.task).sort()).toEqual(['via_fifo', 'via_hardlink', 'via_link']);
    const snapshot = engine.snapshot();
    for (const name of Object.keys(tasks)) expect(snapshot.tasks.find((t) => t.name === name)).toMatchObject({ status: 'waiting' });
    expect(JSON.stringify(events)).not.toMatch(/SECRET/);
    // The planted entries are gone; the files they pointed at are untouched.
    expect((await asRoot('ls -A /run/labkit/input; cat /root/secret /run/secret')).stdout).toBe('TOP SECRET\nRUN SECRET\n');
    await engine.stop();
    await engine.settled();
  }, 120_000);

  it('refuses a :destination: write through a symlink laborant planted, and writes once it is gone', async () => {
    const before = (await asRoot('cat /etc/passwd')).stdout;
    const tasks: Record<string, TaskInput> = {
      at_file: { run: '[ "$(cat /tmp/at-file.txt)" = one ]' },
      on_the_way: { run: '[ "$(cat /tmp/way/answer.txt)" = two ]' },
      temp_name: { run: '[ "$(cat /tmp/temp.txt)" = three ]' },
    };
    const destinations = { at_file: '/tmp/at-file.txt', on_the_way: '/tmp/way/answer.txt', temp_name: '/tmp/temp.txt' };
    const planted = await asLearner(
      [
        'ln -s /etc/passwd /tmp/at-file.txt',
        'ln -s /etc /tmp/way',
        // The temporary name the agent used before (path + .labkit-tmp), which it opened following links.
        'ln -s /etc/passwd /tmp/temp.txt.labkit-tmp',
      ].join(' && '),
    );
    expect(planted, planted.stderr).toMatchObject({ exitCode: 0 });
    const engine = new TaskEngine({ tasks, playground: playgroundOf([vm()]), pollIntervalMs: 250, destinations });
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));
    engine.start();
    engine.setInput('at_file', 'one');
    engine.setInput('on_the_way', 'two');
    engine.setInput('temp_name', 'three');
    expect(await engine.waitFor(['temp_name'], 30_000)).toBe(true);
    expect(await until(() => warnings(events, 'DestinationRefused').length >= 2)).toBe(true);
    const refused = warnings(events, 'DestinationRefused');
    // One warning per task and reason, not one per poll.
    expect(refused.map((w) => w.task).sort()).toEqual(['at_file', 'on_the_way']);
    expect(refused.find((w) => w.task === 'at_file')?.message).toMatch(/\/tmp\/at-file\.txt on box: refused: the file is a symlink root does not own/);
    expect(refused.find((w) => w.task === 'on_the_way')?.message).toMatch(/refused: a folder on the path is a symlink root does not own/);
    expect(engine.snapshot().tasks.find((t) => t.name === 'at_file')?.status).toBe('running');
    expect(engine.status).toBe('running');
    expect((await asRoot('cat /etc/passwd')).stdout).toBe(before);
    expect((await asRoot('ls /etc/answer.txt')).exitCode).not.toBe(0);
    expect((await asRoot('stat -c %U:%a /tmp/temp.txt; readlink /tmp/temp.txt.labkit-tmp')).stdout).toBe('root:644\n/etc/passwd\n');

    // The learner takes the links away: the answers land and the tasks pass.
    await asLearner('rm /tmp/at-file.txt /tmp/way');
    expect(await engine.waitFor(['at_file', 'on_the_way'], 30_000)).toBe(true);
    expect((await asRoot('cat /etc/passwd')).stdout).toBe(before);
    await engine.stop();
    await engine.settled();
  }, 120_000);
});
