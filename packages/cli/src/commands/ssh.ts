import type { Command } from 'commander';

/**
 * `lab ssh <id> [-- cmd]`: a login shell on a pty (stdin a terminal, no
 * command), or a command with this process's stdin/stdout/stderr, over the
 * agent channel; exits with the command's exit code.
 */
export function register(program: Command): void {
  program
    .command('ssh')
    .description('Open a shell in a running playground, or run a command there (`lab ssh <id> -- uname -a`)')
    .argument('<id>', 'playground id (see `lab playground list`)')
    .argument('[command...]', 'command to run (after --); none: an interactive shell')
    .option('-m, --machine <name>', 'machine (default: the first)')
    .option('-u, --user <name>', "user (default: the machine's login user)")
    .action(async (id: string, command: string[], opts: { machine?: string; user?: string }) => {
      const { runInPlayground } = await import('@labkit/runtime/playground-host');
      const interactive = command.length === 0 && process.stdin.isTTY === true;
      if (interactive) process.stdin.setRawMode(true);
      try {
        const code = await runInPlayground(id, {
          ...(opts.machine ? { machine: opts.machine } : {}),
          ...(opts.user ? { user: opts.user } : {}),
          // ssh joins the words of a remote command with spaces, so does this.
          ...(command.length ? { script: command.join(' ') } : {}),
          ...(interactive ? { tty: { cols: process.stdout.columns ?? 80, rows: process.stdout.rows ?? 24 } } : {}),
          stdin: process.stdin,
          onStdout: (d) => process.stdout.write(d),
          onStderr: (d) => process.stderr.write(d),
          onResize: (listener) => process.stdout.on('resize', () => listener(process.stdout.columns, process.stdout.rows)),
        });
        process.exitCode = code;
      } finally {
        if (interactive) process.stdin.setRawMode(false);
        process.stdin.destroy();
      }
    });
  program
    .command('ssh-proxy', { hidden: false })
    .description('OpenSSH ProxyCommand: connects stdin/stdout to the sshd of a playground started with --ssh')
    .argument('<id>', 'playground id')
    .option('-m, --machine <name>', 'machine (default: the first)')
    .action(async (id: string, opts: { machine?: string }) => {
      const { sshProxy } = await import('@labkit/runtime/playground-host');
      process.exitCode = await sshProxy(id, opts.machine, process.stdin, process.stdout);
      process.stdin.destroy();
    });
}
