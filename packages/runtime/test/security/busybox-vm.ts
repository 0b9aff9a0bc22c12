import { afterAll, beforeAll } from 'vitest';
import { buildImage, QemuMachine } from '@labkit/runtime';

/**
 * One busybox VM (TCG, 128 MiB) for a whole test file: booted before its
 * tests, disposed after them. Call at the top of the file; the function it
 * returns gives the machine. Run such files under the heavy lock.
 */
export function busyboxVm(): () => QemuMachine {
  let vm: QemuMachine | undefined;
  beforeAll(async () => {
    vm = await QemuMachine.boot({ name: 'box', image: await buildImage(), accel: 'tcg', memoryMiB: 128 });
  }, 300_000);
  afterAll(async () => {
    await vm?.dispose();
  });
  return () => vm!;
}
