import { Command, CommanderError } from 'commander';
import { enableCompileCache } from './compile-cache.ts';
import { registerSdkResolveHook } from './sdk-resolve-hook.ts';

// Keep the static imports of this file light (no @labkit/sdk): modules
// loaded before enableCompileCache() runs do not use the compile cache.

type CommandModule = () => Promise<{ register: (program: Command) => void }>;

const ssh: CommandModule = () => import('./commands/ssh.ts');

/**
 * Each command lives in `commands/<name>.ts` and exports
 * `register(program)`. Registration only declares flags; the heavy
 * work is imported lazily inside the action, so `lab --help` stays fast.
 * Keyed by every top-level command name a module registers: `lab <name> ...`
 * loads only that module (a test checks the names against the modules).
 */
export const commands: Record<string, CommandModule> = {
  init: () => import('./commands/init.ts'),
  new: () => import('./commands/new.ts'),
  validate: () => import('./commands/validate.ts'),
  build: () => import('./commands/build.ts'),
  dev: () => import('./commands/dev.ts'),
  schema: () => import('./commands/schema.ts'),
  docs: () => import('./commands/docs.ts'),
  publish: () => import('./commands/publish.ts'),
  import: () => import('./commands/import.ts'),
  test: () => import('./commands/test.ts'),
  image: () => import('./commands/image.ts'),
  serve: () => import('./commands/serve.ts'),
  doctor: () => import('./commands/doctor.ts'),
  playground: () => import('./commands/playground.ts'),
  ssh,
  'ssh-proxy': ssh,
  cp: () => import('./commands/cp.ts'),
  'port-forward': () => import('./commands/port-forward.ts'),
  mcp: () => import('./commands/mcp.ts'),
};

/**
 * The command modules `argv` needs: only its command's when it starts with
 * a command name (module loading was most of a fast command's start-up:
 * `lab validate --cache` on an unchanged folder), else all of them, for
 * `lab --help`, `lab help <cmd>` and the suggestion after a mistyped name.
 */
export function commandsFor(argv: readonly string[]): CommandModule[] {
  const first = argv[0];
  const one = first !== undefined && Object.hasOwn(commands, first) ? commands[first] : undefined;
  return one ? [one] : [...new Set(Object.values(commands))];
}

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
  for (const load of commandsFor(argv)) (await load()).register(program);
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
      import('@labkit/sdk/light'),
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
