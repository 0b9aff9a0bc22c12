// The engine's guest bridge when a machine refuses the status file: the
// failure used to be dropped (`.catch(() => {})`), leaving examinerctl in
// the guest with a stale status and nobody told. A machine whose copyIn
// fails on demand cannot be made from a real VM without breaking the agent,
// so this one is a fake; the bridge's success path runs on real VMs in
// task-engine.test.ts.
import { describe, expect, it } from 'vitest';
import { playgroundOf, TaskEngine, type EngineEvent } from '../src/index.ts';
import { FakeMachine } from './security/fake-provider.ts';

class ReadOnlyRunMachine extends FakeMachine {
  override async exec() {
    return { exitCode: 0, timedOut: false, stdout: 'ok\n', stderr: '', truncated: false, durationMs: 1 };
  }
  override async copyIn(): Promise<void> {
    throw new Error('EROFS: read-only file system');
  }
}

describe('task engine guest bridge', () => {
  it('reports a status it could not write into a machine as a warning event, with the machine, the task and why', async () => {
    const engine = new TaskEngine({ tasks: { check: { run: 'true' } }, playground: playgroundOf([new ReadOnlyRunMachine('box')]), pollIntervalMs: 20 });
    const events: EngineEvent[] = [];
    engine.subscribe((e) => events.push(e));
    expect(await engine.runInit()).toBe(true);
    engine.start();
    expect(await engine.waitFor(['check'], 5_000)).toBe(true);
    await engine.stop();
    await engine.settled();
    // The task completed all the same; the warning says what the guest missed.
    expect(engine.snapshot().tasks[0]).toMatchObject({ name: 'check', status: 'completed' });
    const warnings = events.filter((e) => e.type === 'warning');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings).toContainEqual(
      expect.objectContaining({ machine: 'box', task: 'check', code: 'StatusNotMirrored', message: expect.stringContaining('/run/labkit/status/check on box: EROFS: read-only file system') }),
    );
  });

  it('refuses to evaluate a task it does not have with a catalogue error naming the tasks it has', async () => {
    const engine = new TaskEngine({ tasks: { check: { run: 'true' } }, playground: playgroundOf([new ReadOnlyRunMachine('box')]), guestBridge: false });
    await expect(engine.evaluate('chek')).rejects.toMatchObject({ code: 'UnknownTask', message: expect.stringContaining('(tasks: check)') });
  });
});
