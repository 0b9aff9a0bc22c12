#!/usr/bin/env node
// `npm create labkit@latest [dir]` (also `pnpm create labkit`, `yarn create
// labkit`): the same as `lab init [dir] --install`, run by the package manager
// that started it. `--no-install` only writes the files.
const args = process.argv.slice(2);
let positional = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--title') i++;
  else if (!args[i].startsWith('-')) positional = true;
}
if (!positional && !args.includes('--help') && !args.includes('-h')) args.unshift('my-labs');
process.argv = [process.argv[0], process.argv[1], 'init', '--install', ...args];
await import('@labkit/cli/bin/lab.js');
