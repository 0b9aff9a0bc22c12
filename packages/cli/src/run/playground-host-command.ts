import { fileURLToPath } from 'node:url';

/**
 * The command lines the runtime needs to run `lab` again: the detached
 * supervisor of `lab playground start`, and the ProxyCommand the generated
 * OpenSSH config calls. Both are this package's own `bin/lab.js` with this
 * Node (the same entry whether `lab` or another program started the
 * playground; from src/run/ and dist/run/ alike it is two folders up).
 */
export function labCommand(...args: string[]): string[] {
  return [process.execPath, fileURLToPath(new URL('../../bin/lab.js', import.meta.url)), ...args];
}
