import { defineErrors } from '@labkit/sdk/light';

/**
 * The CLI's error catalogue: every problem the tool itself raises (as
 * opposed to content problems, which are Diagnostics) is named here once,
 * with a title, a message and a hint that says what to do next.
 */
export const CliErrors = defineErrors({
  Unexpected: {
    title: 'Unexpected internal error',
    message: (error: unknown) =>
      error instanceof Error ? `${error.name}: ${error.message}` : `Something was thrown that is not an Error: ${String(error)}`,
    hint: 'This is a bug in Labkit, not in your content. Run again with LABKIT_DEBUG=1 to print the stack trace, and include it when you report the bug.',
  },
  NotADirectory: {
    title: 'Not a directory',
    message: (path: string) => `${path} is a file, not a directory.`,
    hint: 'Pass a folder to create, an empty folder or a fresh repository, not a file.',
  },
  DirectoryNotEmpty: {
    title: 'Directory is not empty',
    message: (dir: string, entries: string[]) =>
      `lab init writes into a new or empty folder, or a fresh repository (.git, README, LICENSE, .gitignore, package.json), and ${dir} also holds ${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', ...' : ''}.`,
    hint: 'Choose a new folder name (lab init my-labs), or move those files aside first. Labkit never overwrites files it did not create.',
  },
  InstallFailed: {
    title: 'Install failed',
    message: (command: string, dir: string, why: string) => `\`${command}\` in ${dir} failed (${why}). The project files are written; only the install is missing.`,
    hint: 'Read the package manager output above, fix the cause (network, registry, Node version), then run the install again in that folder.',
  },
  ConfigUnknownKey: {
    title: 'Unknown key in lab.config.ts',
    message: (where: string, key: string, suggestion: string | undefined, known: string[]) =>
      `${where}: \`${key}\` is not a Labkit setting.${suggestion ? ` Did you mean \`${suggestion}\`?` : ''}${known.length ? ` Known here: ${known.join(', ')}.` : ''}`,
    hint: 'Fix the spelling or remove the key; `defineConfig` from labkit gives autocomplete for every setting (docs/packages.md).',
  },
  ConfigInvalid: {
    title: 'Invalid value in lab.config.ts',
    message: (where: string, key: string, why: string) => `${where}: \`${key}\`: ${why}`,
    hint: 'Each setting is documented where defineConfig is typed; hover it in your editor.',
  },
  ConfigLoadFailed: {
    title: 'Cannot load lab.config.ts',
    message: (file: string, why: string) => `${file} could not be imported: ${why}`,
    hint: 'Run `node --check` on the file, and keep it an ES module that `export default`s defineConfig({...}).',
  },
  AlreadyExists: {
    title: 'Already exists',
    message: (path: string) => `${path} already exists.`,
    hint: 'lab new never overwrites anything: pick another name, or delete the existing item first.',
  },
  UnknownKind: {
    title: 'Unknown content kind',
    message: (kind: string, known: string[], _suggestion?: string) => `"${kind}" is not a kind lab new can create. Known kinds: ${known.join(', ')}.`,
    hint: (kind: string, known: string[], suggestion?: string) =>
      suggestion ? `Did you mean "${suggestion}"? Try: lab new ${suggestion} <name>` : `Try: lab new ${known[0] ?? 'tutorial'} <name>`,
  },
  InvalidName: {
    title: 'Invalid name',
    message: (name: string, why: string) => `"${name}" cannot be used as a content name: ${why}.`,
    hint: 'Names become folder names and URL slugs: use lowercase letters, digits and dashes, e.g. "inspect-linux-processes".',
  },
  MissingParent: {
    title: 'Missing parent item',
    message: (kind: string, parent: string, path: string) => `A ${kind} lives inside a ${parent}, and there is none at ${path}.`,
    hint: (kind: string, parent: string, _path: string) =>
      `Name the parent folder before the ${kind} name, e.g. lab new ${kind} <parent>/<name>, where <parent> is a ${parent} folder (relative to --dir, or a name under skill-paths/ or courses/). Create the parent first if needed.`,
  },
  BadOption: {
    title: 'Invalid option value',
    message: (option: string, value: string, expected: string) => `${option} got "${value}", but expects ${expected}.`,
    hint: 'Run the command with --help to see every option and its accepted values.',
  },
  WriteFailed: {
    title: 'Cannot write file',
    message: (path: string, reason: string) => `Writing ${path} failed: ${reason}.`,
    hint: 'Check that the folder exists and that you have permission to write to it.',
  },
  StaleReference: {
    title: 'Reference docs are stale',
    message: (files: string[]) => `These generated files differ from what the schemas produce: ${files.join(', ')}.`,
    hint: 'Regenerate them with: lab docs --write (then review and commit the diff).',
  },
});
