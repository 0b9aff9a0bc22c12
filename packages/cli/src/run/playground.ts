import { startPlayground as startHosted } from '@labkit/runtime/playground-host';
import type { PlaygroundRecord } from '@labkit/runtime/playground-host';
import { labCommand } from './playground-host-command.ts';
import { silentReporter } from './reporter.ts';
import type { CommandReporter } from './reporter.ts';

export interface StartPlaygroundOptions {
  /** Playground name (`busybox`), item id (`challenge:x`) or item folder. */
  target: string;
  /** Content folder the target is looked up in (default: the current folder). */
  dir?: string;
  /** Also make the machines reachable by OpenSSH. */
  ssh?: boolean;
  /** Init condition values (`--condition key=value`); the supervisor checks them against the definition's. */
  conditions?: Record<string, string>;
  reporter?: CommandReporter;
}

/**
 * `lab playground start`: boots a playground that outlives the caller (a
 * detached `lab` supervisor owns its machines) and resolves with its record
 * once the machines are up and an item's init tasks passed. Stop it with
 * `stopPlayground(record.id)` from `@labkit/runtime/playground-host`.
 */
export async function startPlayground(options: StartPlaygroundOptions): Promise<PlaygroundRecord> {
  const reporter = options.reporter ?? silentReporter;
  return startHosted({
    target: options.target,
    dir: options.dir ?? process.cwd(),
    ...(options.ssh ? { ssh: true } : {}),
    ...(options.conditions ? { conditions: options.conditions } : {}),
    host: labCommand('playground', '__host'),
    proxyCommand: labCommand(),
    onProgress: (message) => reporter.progress(message),
  });
}
