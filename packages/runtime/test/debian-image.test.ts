import { describe, expect, it } from 'vitest';
import { QemuProvider, TaskEngine, buildImage } from '@labkit/runtime';

// The fuller Debian root file system (debootstrap + mke2fs -d, ~2.5 min to
// build, needs the Debian mirror). Out of the default CI path for time:
// run with LABKIT_TEST_DEBIAN=1 (docs/runtime.md says when it last ran).
describe.runIf(process.env.LABKIT_TEST_DEBIAN === '1')('debian playground image', () => {
  it('builds without root mounts, boots from ext4, and has bash, coreutils and iproute2', async () => {
    const image = await buildImage({ kind: 'debian' });
    expect(image.rootfs).toMatch(/rootfs\.ext4$/);
    const provider = new QemuProvider({ accel: 'tcg' });
    const playground = await provider.provision({ machines: [{ name: 'deb', image: 'debian' }] });
    try {
      const vm = playground.machine('deb');
      const r = await vm.exec({ script: 'bash -c \'echo "bash $BASH_VERSION"\'; ls --version | head -1; ip -brief link show lo; cat /etc/debian_version; id laborant', timeoutMs: 30_000 });
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/^bash 5\./m);
      expect(r.stdout).toMatch(/GNU coreutils/);
      expect(r.stdout).toMatch(/^lo\s+UNKNOWN/m);
      expect(r.stdout).toMatch(/^12\./m);
      expect(r.stdout).toMatch(/uid=1000\(laborant\)/);
      const engine = new TaskEngine({ playground, pollIntervalMs: 300, tasks: { check: { user: 'laborant', run: '[[ $(whoami) == laborant ]] && ss -ltn >/dev/null' } } });
      await engine.runInit();
      engine.start();
      expect(await engine.waitFor(undefined, 30_000)).toBe(true);
      await engine.stop();
    } finally {
      await playground.dispose();
    }
  }, 600_000);
});
