import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILES } from './config/lab-config-files.ts';

/**
 * The Labkit project `start` is in: the nearest folder at or above it with a
 * `lab.config.ts` (or .mjs/.js); failing that, the nearest with a
 * package.json that depends on labkit. Undefined outside any project.
 */
export function findProjectRoot(start: string): string | undefined {
  const dirs: string[] = [];
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of dirs) if (CONFIG_FILES.some((f) => existsSync(path.join(dir, f)))) return dir;
  for (const dir of dirs) if (dependsOnLabkit(path.join(dir, 'package.json'))) return dir;
  return undefined;
}

function dependsOnLabkit(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
    return ['dependencies', 'devDependencies'].some((k) => pkg[k]?.['labkit'] !== undefined || pkg[k]?.['@labkit/cli'] !== undefined);
  } catch {
    return false;
  }
}

/**
 * Commands whose first argument is the content folder (default `.`). Not
 * `test`: its items are challenge folders, and `lab test` inside a challenge
 * (or a folder of them) tests just those, as it always did.
 */
const CONTENT_DIR_ARGUMENT = new Set(['validate', 'build', 'dev', 'publish', 'serve']);
/** Options with a default that is a path inside the project (`lab build --out dist`). */
const PROJECT_PATH_OPTIONS: Record<string, string[]> = { build: ['out'], new: ['dir'], 'image build': ['content'] };

/** `build` for `lab build`, `image build` for `lab image build` (a subcommand is not the top-level command of its name). */
function commandKey(command: Command): string {
  return command.parent?.parent ? `${command.parent.name()} ${command.name()}` : command.name();
}

/**
 * Run from a subfolder of a project, a command works on the whole project:
 * a content-folder argument the user left out becomes the project root, and
 * path options left at their default (`--out dist`) resolve from the root
 * instead of the current folder. Anything the user typed is left alone.
 * Called from a commander preAction hook, before the action reads its args.
 */
export function applyProjectRoot(command: Command, cwd: string = process.cwd()): void {
  const name = commandKey(command);
  const argDefaulted = CONTENT_DIR_ARGUMENT.has(name) && command.args.length === 0;
  const options = (PROJECT_PATH_OPTIONS[name] ?? []).filter((o) => command.getOptionValueSource(o) === 'default');
  if (!argDefaulted && options.length === 0) return;
  const root = findProjectRoot(cwd);
  if (!root) return;
  if (argDefaulted) command.processedArgs[0] = root;
  for (const option of options) command.setOptionValueWithSource(option, path.resolve(root, String(command.getOptionValue(option))), 'default');
}

/**
 * Before a command that reads content runs: find the project (above), then
 * check its lab.config.ts against the schema, so a misspelt key fails every
 * command the same way, with its place and a suggestion.
 */
export async function prepareCommand(command: Command): Promise<void> {
  applyProjectRoot(command);
  if (!CONTENT_DIR_ARGUMENT.has(commandKey(command))) return;
  const dir = command.processedArgs[0] as string | undefined;
  if (!dir || !CONFIG_FILES.some((f) => existsSync(path.join(dir, f)))) return;
  const { loadLabConfig } = await import('./config/lab-config.ts');
  await loadLabConfig(path.resolve(dir));
}
