import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuntimeErrors } from '../errors.ts';

/**
 * Where running playgrounds keep their records and control sockets:
 * `$XDG_RUNTIME_DIR/labkit` (a per-user tmpfs the system empties at logout),
 * else `<tmp>/labkit-<uid>`. `LABKIT_PLAYGROUND_DIR` overrides both (tests).
 * The folder is created 0700 and refused when another user owns it or others
 * can enter it: a control socket there runs commands as root in the machines.
 */
export function playgroundStateDir(): string {
  const base = process.env.LABKIT_PLAYGROUND_DIR ?? (process.env.XDG_RUNTIME_DIR ? path.join(process.env.XDG_RUNTIME_DIR, 'labkit') : path.join(os.tmpdir(), `labkit-${process.getuid?.() ?? 'user'}`));
  mkdirSync(base, { recursive: true, mode: 0o700 });
  const st = lstatSync(base);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
    throw RuntimeErrors.PlaygroundStateUnsafe(base);
  }
  return base;
}
