import { Command, CommanderError } from 'commander';
import { enableCompileCache } from './compile-cache.ts';
import { registerSdkResolveHook } from './sdk-resolve-hook.ts';

// Keep the static imports of this file light (no @labkit/sdk): modules
// loaded before enableCompileCache() runs do not use the compile cache.

/**
 * Each command lives in `commands/<name>.ts` and exports
 * `register(program)`. Registration only declares flags; the heavy
 * work is imported lazily inside the action, so `lab --help` stays fast.
 */
const commands: Array<() => Promise<{ register: (program: Command) => void }>> = [
  () => import('./commands/init.ts'),
  () => import('./commands/new.ts'),
  () => import('./commands/validate.ts'),
  () => import('./commands/build.ts'),
  () => import('./commands/dev.ts'),
  () => import('./commands/schema.ts'),
  () => import('./commands/docs.ts'),
  () => import('./commands/publish.ts'),
  () => import('./commands/import.ts'),
  () => import('./commands/test.ts'),
  () => import('./commands/image.ts'),
  () => import('./commands/serve.ts'),
  () => import('./commands/doctor.ts'),
  () => import('./commands/playground.ts'),
  () => import('./commands/ssh.ts'),
  () => import('./commands/cp.ts'),
  () => import('./commands/port-forward.ts'),
  () => import('./commands/mcp.ts'),
];

export async function main(argv: string[]): Promise<number> {
  enableCompileCache();
  registerSdkResolveHook();
  const program = new Command('lab')
    .description('Labkit: write hands-on labs as code')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showSuggestionAfterError()
    .showHelpAfterError('(run `lab <command> --help` to see its arguments and options)');
  for (const load of commands) (await load()).register(program);
  // Every command finds its project from any subfolder and checks lab.config.ts first.
  program.hook('preAction', async (_program, actionCommand) => {
    const { prepareCommand } = await import('./project-root.ts');
    await prepareCommand(actionCommand);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    const [{ isLabkitError }, { printError }, { CliErrors }] = await Promise.all([
      import('@labkit/sdk'),
      import('./print-error.ts'),
      import('./errors.ts'),
    ]);
    if (isLabkitError(error)) {
      printError(error);
      return 2;
    }
    // Anything else is a bug: print it through the catalogue (title, message,
    // hint) rather than as a bare stack trace; LABKIT_DEBUG=1 adds the stack.
    printError(CliErrors.Unexpected(error));
    if (process.env.LABKIT_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return 70;
  }
}
