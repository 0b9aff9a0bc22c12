import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { programPath } from '../../src/providers/qemu/qemu-machine.ts';

// The Swarm runner image's /bin/sh is busybox, which answers `command -v
// setpriv` with its applet's bare name although no setpriv program is in the
// image: QEMU was then spawned as `setpriv … qemu-system-x86_64`, failed
// with ENOENT, and no session ever booted a machine on the swarm.
const busybox = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();

describe('programPath', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labkit-busybox-sh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a program on PATH by its absolute path', () => {
    expect(programPath('sh')).toMatch(/^\/.*\/sh$/);
    expect(programPath('labkit-no-such-program')).toBeUndefined();
  });

  it.runIf(busybox)('takes no applet name from a busybox sh for a program that is not there', () => {
    // A PATH like the runner image's: sh is busybox, and nothing else is installed.
    symlinkSync(busybox, path.join(dir, 'sh'));
    const env = { PATH: dir };
    expect(execFileSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8', env }).trim()).toBe('setpriv');
    expect(programPath('setpriv', env)).toBeUndefined();
    // A real program in that PATH is still found.
    writeFileSync(path.join(dir, 'labkit-tool'), '#!/bin/sh\n', { mode: 0o755 });
    expect(programPath('labkit-tool', env)).toBe(path.join(dir, 'labkit-tool'));
  });
});
