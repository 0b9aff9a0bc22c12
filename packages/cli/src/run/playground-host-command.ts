/**
 * The command lines the runtime needs to run `lab` again: the detached
 * supervisor of `lab playground start`, and the ProxyCommand the generated
 * OpenSSH config calls. Both are this very `lab` (same Node, same entry).
 */
export function labCommand(...args: string[]): string[] {
  return [process.execPath, process.argv[1]!, ...args];
}
