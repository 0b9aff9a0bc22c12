import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface RunDir {
  path: string;
  /** Restores TMPDIR, stops the reaper and removes the folder. */
  release(): Promise<void>;
}

/**
 * QEMU machines keep their socket and console log under os.tmpdir(): point
 * it at a folder of this server's own, watched by a detached reaper, so even
 * a SIGKILLed server leaves no temp files (its QEMUs die with it: pdeathsig).
 * TMPDIR is process-wide, which is why only the long-lived servers
 * (`lab serve`, `lab dev`) do this, and put it back when they close.
 */
export async function claimRunDir(prefix = 'labkit-serve-'): Promise<RunDir> {
  const previous = process.env.TMPDIR;
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  process.env.TMPDIR = dir;
  const reaper = spawn('sh', ['-c', 'while kill -0 "$0" 2>/dev/null; do sleep 1; done; rm -rf "$1"', String(process.pid), dir], { detached: true, stdio: 'ignore' });
  reaper.unref();
  let released: Promise<void> | undefined;
  return {
    path: dir,
    release() {
      released ??= (async () => {
        if (process.env.TMPDIR === dir) {
          if (previous === undefined) delete process.env.TMPDIR;
          else process.env.TMPDIR = previous;
        }
        reaper.kill();
        await rm(dir, { recursive: true, force: true });
      })();
      return released;
    },
  };
}
