// A check or a terminal runs with the user's supplementary groups from the
// guest's /etc/group, as a login would: a learner in the `docker` group
// reaches /var/run/docker.sock. (The agent used to drop every group.)
import { afterAll, describe, expect, it } from 'vitest';
import { QemuProvider, type RunningPlayground } from '@labkit/runtime';

describe('exec as a user', () => {
  let playground: RunningPlayground | undefined;
  afterAll(async () => {
    await playground?.dispose();
  });

  it('gets the supplementary groups /etc/group lists for the user', async () => {
    playground = await new QemuProvider({ accel: 'tcg' }).provision({ machines: [{ name: 'box' }] });
    const vm = playground.machines[0]!;
    await vm.exec({ script: 'echo "docker:x:990:laborant,someone" >> /etc/group && echo "audit:x:991:" >> /etc/group && install -d -m 0770 -g 990 /srv/docker-only 2>/dev/null || { mkdir -p /srv/docker-only; chgrp 990 /srv/docker-only; chmod 0770 /srv/docker-only; }', timeoutMs: 10_000 });
    const laborant = await vm.exec({ script: 'id -G; touch /srv/docker-only/ok && echo wrote', user: 'laborant', timeoutMs: 10_000 });
    expect(laborant.stdout).toBe('1000 990\nwrote\n');
    const root = await vm.exec({ script: 'id -G', timeoutMs: 10_000 });
    expect(root.stdout).toBe('0\n');
  }, 120_000);
});
