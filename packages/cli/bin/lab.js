#!/usr/bin/env node
// Labkit runs its TypeScript sources directly: Node 24 strips types natively.
// This file stays plain JavaScript so an older Node gets a clear message
// instead of "Unknown file extension .ts".
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `error[NodeTooOld] Labkit needs Node.js 24 or newer\n  This is Node.js ${process.versions.node}.\n` +
      '  hint: install Node 24 LTS (or run `npm install --prefix ~/.cache/labkit/node24 node@24` and put\n' +
      '        ~/.cache/labkit/node24/node_modules/.bin first on PATH), then run lab again.\n',
  );
  process.exit(2);
}
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
