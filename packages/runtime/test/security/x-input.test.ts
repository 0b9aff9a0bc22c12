import { describe, expect, it } from 'vitest';
import type { TaskInput } from '@labkit/sdk';
import { playgroundOf, TaskEngine } from '@labkit/runtime';
import { busyboxVm } from './busybox-vm.ts';

// Finding 8 of issue 11, in a real VM (run under the heavy lock): a learner's
// answer and a previous task's stdout used to be spliced into the check's
// script text, so `$(id > ~/pwned)750` ran as root inside the check (and
// passed it). Now they reach the script as environment variables.

const vm = busyboxVm();

const tasks: Record<string, TaskInput> = {
  // The iximiuz authoring guide's pattern: assign x(.input) to a variable first.
  check_mode: { run: 'PROVIDED=$(echo "x(.input)" | tr -d \'[:space:]\')\n[ "$PROVIDED" = "750" ]' },
  // Inside single quotes, the other place authors put it.
  check_quoted: { run: "[ 'x(.input)' = '750' ]" },
  // A previous task's stdout is guest-controlled too: the learner writes /tmp/token.
  init_token: { init: true, run: 'cat /tmp/token' },
  use_token: { needs: ['init_token'], run: '[ "x(.needs.init_token.stdout)" = tok ]' },
};

const pwned = async () => (await vm().exec({ script: 'ls /root/ /tmp/ | grep pwned || true', timeoutMs: 10_000 })).stdout;

describe('x(.input) and x(.needs.T.stdout) in a real VM', () => {
  it('runs none of the hostile answers, fails the check for them, and passes the normal answer', async () => {
    await vm().copyIn({ path: '/tmp/token', content: '$(touch /tmp/pwned-needs)tok\n' });
    const engine = new TaskEngine({ tasks, playground: playgroundOf([vm()]), guestBridge: false });
    expect(await engine.runInit()).toBe(true);

    const hostile = [
      '$(id > ~/pwned)750',
      '`touch /root/pwned-backtick`750',
      '"; touch /root/pwned-dq; echo "750',
      "750'; touch /root/pwned-sq; echo '",
      '750\ntouch /root/pwned-newline\n',
      "$(printf '\\x27'; touch /root/pwned-nested)750",
    ];
    for (const answer of hostile) {
      for (const task of ['check_mode', 'check_quoted']) {
        engine.setInput(task, answer);
        const evaluation = await engine.evaluate(task);
        expect(evaluation.passed, `${task} passed with ${JSON.stringify(answer)}`).toBe(false);
      }
    }
    const needs = await engine.evaluate('use_token');
    expect(needs.passed).toBe(false);
    expect(await pwned()).toBe('');

    for (const task of ['check_mode', 'check_quoted']) {
      engine.setInput(task, '750');
      expect((await engine.evaluate(task)).passed, task).toBe(true);
    }
    await vm().copyIn({ path: '/tmp/token', content: 'tok\n' });
    const fresh = new TaskEngine({ tasks, playground: playgroundOf([vm()]), guestBridge: false });
    expect(await fresh.runInit()).toBe(true);
    expect((await fresh.evaluate('use_token')).passed).toBe(true);
    await engine.stop();
    await fresh.stop();
  }, 120_000);
});
