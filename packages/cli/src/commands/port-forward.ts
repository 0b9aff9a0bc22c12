import type { Command } from 'commander';
import pc from 'picocolors';

/** `lab port-forward <id> -L [addr:]local:remote`: TCP from this host to a port in a machine, until Ctrl-C. */
export function register(program: Command): void {
  program
    .command('port-forward')
    .description('Forward a local TCP port to a port inside a running playground (loopback only unless an address is given)')
    .argument('<id>', 'playground id')
    .requiredOption('-L, --local <spec...>', '[127.0.0.1:]<local port>:<remote port> (0 picks a free local port)')
    .option('-m, --machine <name>', 'machine (default: the first)')
    .action(async (id: string, opts: { local: string[]; machine?: string }) => {
      const { forwardPort } = await import('@labkit/runtime/playground-host');
      const { CliErrors } = await import('../errors.ts');
      const forwards = [];
      for (const spec of opts.local) {
        const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d+):(\d+)$/.exec(spec);
        if (!m || Number(m[2]) > 65535 || Number(m[3]) < 1 || Number(m[3]) > 65535) throw CliErrors.BadOption('-L', spec, '[address:]<local port>:<remote port>');
        const host = m[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1';
        const forward = await forwardPort(id, { host, localPort: Number(m[2]), remotePort: Number(m[3]), ...(opts.machine ? { machine: opts.machine } : {}), onError: (error) => process.stderr.write(`${error.message}\n`) });
        forwards.push(forward);
        const shown = host.includes(':') ? `[${host}]` : host;
        process.stdout.write(`${shown}:${forward.address.port} -> ${opts.machine ?? id}:${m[3]}\n`);
      }
      process.stderr.write(pc.dim('forwarding; Ctrl-C to stop\n'));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all(forwards.map((f) => f.close()));
    });
}
