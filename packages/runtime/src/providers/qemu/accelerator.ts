import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GuestImage } from '../../image/build-image.ts';
import { cacheDir } from '../../image/cache-dir.ts';
import { QemuMachine, type Accelerator } from './qemu-machine.ts';

/** A KVM guest boots in well under a second; one that has not answered by then never will. */
export const CANARY_TIMEOUT_MS = 4_000;

let decided: Promise<Accelerator> | undefined;

/**
 * KVM when a canary VM proves it, else TCG. Opening /dev/kvm proves nothing
 * (on these hosts KVM guests never finish booting), so the canary boots the
 * real image under KVM with a short timeout and runs one command. The answer
 * is remembered per host boot in the cache (`accel-<boot id>.json`), so only
 * the first run after a reboot pays for it. `LABKIT_ACCEL=kvm|tcg` overrides.
 */
export function chooseAccelerator(image: GuestImage): Promise<Accelerator> {
  const forced = process.env.LABKIT_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return Promise.resolve(forced);
  decided ??= decide(image);
  return decided;
}

async function decide(image: GuestImage): Promise<Accelerator> {
  const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => 'unknown')).trim();
  const memo = path.join(cacheDir(), `accel-${bootId}.json`);
  const remembered = await readFile(memo, 'utf8').then((t) => JSON.parse(t) as { accel: Accelerator }, () => undefined);
  if (remembered) return remembered.accel;
  const accel = (await kvmCanary(image)) ? 'kvm' : 'tcg';
  await mkdir(path.dirname(memo), { recursive: true });
  await writeFile(memo, JSON.stringify({ accel, decidedAt: new Date().toISOString() }));
  return accel;
}

/** Boots one KVM guest under a short timeout; true only if it ran a command. */
export async function kvmCanary(image: GuestImage, timeoutMs = CANARY_TIMEOUT_MS): Promise<boolean> {
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return false;
  }
  let machine: QemuMachine | undefined;
  const booting = QemuMachine.boot({ name: 'kvm-canary', image, accel: 'kvm', memoryMiB: 128, bootTimeoutMs: timeoutMs });
  let timer: NodeJS.Timeout | undefined;
  try {
    // The whole canary (boot, readiness probe, one command) has one short deadline.
    machine = await Promise.race([booting, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs + 2_000)))]);
    if (!machine) {
      booting.then((late) => late.dispose(), () => {});
      return false;
    }
    const r = await machine.exec({ script: 'echo ok', timeoutMs: 2_000 });
    return r.stdout.trim() === 'ok';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    await machine?.dispose();
  }
}
