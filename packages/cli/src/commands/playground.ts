import type { Command } from 'commander';
import { collectCondition } from './test.ts';
import pc from 'picocolors';

/**
 * `lab playground start|list|stop`: local playgrounds that outlive the
 * command (a detached supervisor per playground owns its machines).
 */
export function register(program: Command): void {
  const playground = program.command('playground').description('Start, list and stop local playgrounds that keep running after the command');
  playground
    .command('start')
    .description("Boot a playground (by name) or an item's playground (by id or folder, running its init tasks); prints its id")
    .argument('<target>', 'playground name (busybox), item id (challenge:x) or item folder')
    .option('--ssh', 'also make the machines reachable by OpenSSH (prints an `ssh -F <config> <host>` line)')
    .option('--condition <key=value>', 'init condition value to start with (repeatable; one the playground declares; other keys take their defaults)', collectCondition)
    .option('--format <format>', 'pretty or json', 'pretty')
    .action(async (target: string, opts: { ssh?: boolean; format: string; condition?: Record<string, string> }) => {
      const { startPlayground } = await import('../run/playground.ts');
      const record = await startPlayground({
        target,
        ...(opts.ssh ? { ssh: true } : {}),
        ...(opts.condition ? { conditions: opts.condition } : {}),
        reporter: { progress: (message) => void process.stderr.write(pc.dim(`▸ ${message}\n`)), diagnostics: () => {} },
      });
      if (opts.format === 'json') return void process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
      process.stdout.write(`${record.id}\n`);
      process.stderr.write(`${pc.green('✓')} ${record.title}: ${record.machines.map((m) => m.name).join(', ')}${record.init ? ` (${record.init.tasks} init task(s) passed)` : ''}\n`);
      process.stderr.write(`  lab ssh ${record.id}${record.machines.length > 1 ? ' --machine <name>' : ''}\n`);
      if (record.ssh) process.stderr.write(`  ssh -F ${record.ssh.config} ${record.ssh.hosts[0]}\n`);
      process.stderr.write(`  lab playground stop ${record.id}\n`);
    });
  playground
    .command('list')
    .description('List the running playgrounds')
    .option('--format <format>', 'pretty or json', 'pretty')
    .action(async (opts: { format: string }) => {
      const { listPlaygrounds } = await import('@labkit/runtime/playground-host');
      const records = listPlaygrounds();
      if (opts.format === 'json') return void process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
      if (!records.length) return void process.stderr.write('no playground is running\n');
      for (const r of records) process.stdout.write(`${r.id}\t${r.target}\t${r.machines.map((m) => m.name).join(',')}\t${r.startedAt}${r.ssh ? `\tssh -F ${r.ssh.config} ${r.ssh.hosts[0]}` : ''}\n`);
    });
  playground
    .command('stop')
    .description('Stop a playground (its machines are gone when this returns)')
    .argument('[id]', 'playground id (see `lab playground list`)')
    .option('--all', 'stop every running playground')
    .action(async (id: string | undefined, opts: { all?: boolean }) => {
      const { listPlaygrounds, stopPlayground } = await import('@labkit/runtime/playground-host');
      const { CliErrors } = await import('../errors.ts');
      if (!id && !opts.all) throw CliErrors.BadOption('<id>', '', 'a playground id, or --all');
      const ids = opts.all ? listPlaygrounds().map((r) => r.id) : [id!];
      await Promise.all(ids.map((one) => stopPlayground(one)));
      for (const one of ids) process.stderr.write(`stopped ${one}\n`);
    });
  playground
    .command('__host', { hidden: true })
    .argument('<options>')
    .action(async (json: string) => {
      const { hostPlayground } = await import('@labkit/runtime/playground-host');
      await hostPlayground(JSON.parse(json));
      // Serves its control socket until stopped (process.exit there).
      await new Promise(() => {});
    });
}
