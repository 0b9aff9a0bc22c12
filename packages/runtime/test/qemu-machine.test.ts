import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execSync } from 'node:child_process';
import { buildImage, kvmCanary, CANARY_TIMEOUT_MS, QemuMachine, type GuestImage } from '@labkit/runtime';

// Real microVMs under whatever accelerator is forced (TCG here: KVM is broken
// on these hosts). One VM serves every test that leaves it healthy, a second
// one is there to be killed.
let image: GuestImage;
let vm: QemuMachine;
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  image = await buildImage();
  vm = await QemuMachine.boot({ name: 'box', image, accel: 'tcg' });
}, 300_000);
afterAll(async () => {
  await vm?.dispose();
});

describe('QEMU machine', () => {
  it('runs a script as a user with env, and reports exit code and both streams', async () => {
    const r = await vm.exec({ script: 'id -un; echo "$GREETING" >&2; hostname; exit 3', user: 'laborant', env: { GREETING: 'hi there' }, timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false, truncated: false, stdout: 'laborant\nbox\n', stderr: 'hi there\n' });
  });

  it('copies files in with owner and mode', async () => {
    await vm.copyIn({ path: '/home/laborant/dir/note.txt', content: 'hello\n', owner: 'laborant', mode: 0o600 });
    const r = await vm.exec({ script: 'stat -c "%U %a" /home/laborant/dir/note.txt; cat /home/laborant/dir/note.txt', timeoutMs: 10_000 });
    expect(r.stdout).toBe('laborant 600\nhello\n');
  });

  it('streams output as it is produced', async () => {
    const chunks: string[] = [];
    const r = await vm.exec({ script: 'echo one; sleep 0.3; echo two', timeoutMs: 10_000, onOutput: (_s, c) => chunks.push(c.toString()) });
    expect(r.stdout).toBe('one\ntwo\n');
    expect(chunks.length).toBeGreaterThanOrEqual(2);
  });

  it('carries output that looks like protocol frames as plain bytes', async () => {
    // An EXIT frame for request 1 and a HELLO, printed by the script itself.
    const forged = String.raw`printf '\000\000\000\022\203\000\000\000\001\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\017\201labkit-agent/1'`;
    const r = await vm.exec({ script: `${forged}; exit 7`, timeoutMs: 10_000 });
    expect(r.exitCode).toBe(7);
    expect(Buffer.from(r.stdout, 'latin1').length).toBeGreaterThan(20);
    expect(r.stdout.endsWith('labkit-agent/1')).toBe(true);
  });

  it('kills a busy loop at its timeout and stays responsive', async () => {
    const r = await vm.exec({ script: 'while :; do :; done', timeoutMs: 1_500 });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeGreaterThanOrEqual(1_500);
    expect(r.durationMs).toBeLessThan(10_000);
    expect((await vm.exec({ script: 'echo alive', timeoutMs: 10_000 })).stdout).toBe('alive\n');
  });

  it('kills a fork bomb (whose shell exits at once) at its timeout and leaves no process behind', async () => {
    const r = await vm.exec({ script: 'bomb() { bomb | bomb & }; bomb', timeoutMs: 3_000 });
    expect(r.timedOut).toBe(true);
    const after = await vm.exec({ script: 'sleep 1; ps -o comm | grep -c "^sh$" || true', timeoutMs: 20_000 });
    expect(Number(after.stdout.trim())).toBeLessThanOrEqual(2); // the check's own sh (+ grep's subshell)
  }, 60_000);

  it('caps a flood of output and kills it at its timeout', async () => {
    const r = await vm.exec({ script: 'yes flood', timeoutMs: 2_000, maxOutputBytes: 32 * 1024 });
    expect(r.timedOut).toBe(true);
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBe(32 * 1024);
    expect((await vm.exec({ script: 'echo alive', timeoutMs: 10_000 })).stdout).toBe('alive\n');
  });

  it('keeps waiting for a background child that holds the output, but not for a detached daemon', async () => {
    const held = await vm.exec({ script: 'sleep 30 & echo started', timeoutMs: 1_500 });
    expect(held.timedOut).toBe(true);
    const detached = await vm.exec({ script: 'sleep 30 >/dev/null 2>&1 & echo started', timeoutMs: 10_000 });
    expect(detached).toMatchObject({ timedOut: false, exitCode: 0, stdout: 'started\n' });
  });

  it('round-trips warm checks quickly enough to poll every second', async () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await vm.exec({ script: 'true', timeoutMs: 10_000 });
      times.push(performance.now() - t);
    }
    // Not a speed assertion (the CPU is shared): a sanity bound 25x the target.
    expect(Math.min(...times)).toBeLessThan(1_000);
  });
});

describe('accelerator canary', () => {
  it('decides within its short deadline and leaves no canary VM behind', async () => {
    const t = performance.now();
    const kvm = await kvmCanary(image);
    expect(typeof kvm).toBe('boolean'); // false on these hosts: KVM guests never finish booting
    expect(performance.now() - t).toBeLessThan(CANARY_TIMEOUT_MS + 5_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(execSync('ps -eo args').toString()).not.toMatch(/labkit\.hostname=kvm-canary/);
  }, 60_000);
});

describe('QEMU machine failures', () => {
  it('a guest killed mid-check gives a clear error and leaves no QEMU behind', async () => {
    const victim = await QemuMachine.boot({ name: 'victim', image, accel: 'tcg' });
    const pid = victim.pid!;
    const pending = victim.exec({ script: 'sleep 60', timeoutMs: 90_000 });
    await new Promise((r) => setTimeout(r, 300));
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({ code: 'MachineDied', message: expect.stringContaining('QEMU was killed (SIGKILL)') });
    expect(victim.state).toBe('failed');
    await expect(victim.exec({ script: 'true', timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'MachineDied' });
    await victim.dispose();
    expect(alive(pid)).toBe(false);
  }, 120_000);

  it('a guest that powers itself off mid-check gives a clear error', async () => {
    const victim = await QemuMachine.boot({ name: 'victim2', image, accel: 'tcg' });
    const pid = victim.pid!;
    await expect(victim.exec({ script: 'echo bye; poweroff -f', timeoutMs: 30_000 })).rejects.toMatchObject({ code: 'MachineDied', message: expect.stringContaining('QEMU exited with code 0') });
    await victim.dispose();
    expect(alive(pid)).toBe(false);
  }, 120_000);

  it('the host watchdog stops a frozen guest after timeout + grace', async () => {
    const victim = await QemuMachine.boot({ name: 'frozen', image, accel: 'tcg', watchdogGraceMs: 2_000 });
    const pid = victim.pid!;
    process.kill(pid, 'SIGSTOP'); // the whole VM freezes: the agent cannot answer
    const t = performance.now();
    await expect(victim.exec({ script: 'true', timeoutMs: 1_000 })).rejects.toMatchObject({ code: 'AgentUnresponsive' });
    expect(performance.now() - t).toBeGreaterThanOrEqual(2_900);
    await victim.dispose();
    expect(alive(pid)).toBe(false);
  }, 120_000);
});
