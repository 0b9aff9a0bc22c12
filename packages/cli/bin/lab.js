#!/usr/bin/env node
// The `lab` command. This file stays plain JavaScript so an older Node gets a
// clear message instead of "Unknown file extension .ts".
//
// Installed from the registry, the package holds only dist/ (compiled
// JavaScript). In the Labkit workspace src/ sits beside it: the CLI then runs
// its TypeScript sources directly (Node 24 strips types) and resolves the
// other @labkit packages to their sources too (the `labkit-source` export
// condition), so no build step is needed while developing.
//
// dist/bundle/ (scripts/bundle-cli.mjs) is the same compiled code in a
// handful of files: Node then resolves and loads ~85 files instead of ~630
// modules, ~0.25 s less for every command. LABKIT_CODE=source|bundle|dist
// picks one (benchmarks and the tests of each); without it, the sources when
// they are here, else the bundle when it was built, else dist/.
import { existsSync } from 'node:fs';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `error[NodeTooOld] Labkit needs Node.js 24 or newer\n  This is Node.js ${process.versions.node}.\n` +
      '  hint: install Node 24 LTS (or run `npm install --prefix ~/.cache/labkit/node24 node@24` and put\n' +
      '        ~/.cache/labkit/node24/node_modules/.bin first on PATH), then run lab again.\n',
  );
  process.exit(2);
}
// The compile cache before any other module loads: main.ts, its imports and
// commander would otherwise be compiled (and, from source, type-stripped,
// which loads Node's TypeScript stripper: ~0.1-0.3 s) on every run. Same
// call as src/compile-cache.ts, which main() still makes for its other callers.
try {
  const { enableCompileCache, constants } = await import('node:module');
  const result = enableCompileCache();
  if (result.directory && (result.status === constants.compileCacheStatus.ENABLED || result.status === constants.compileCacheStatus.ALREADY_ENABLED)) {
    process.env.NODE_COMPILE_CACHE ??= result.directory;
  }
} catch {
  // A cache is an optimisation: start without it.
}
const ENTRY = { source: '../src/main.ts', bundle: '../dist/bundle/main.js', dist: '../dist/main.js' };
const here = (code) => existsSync(new URL(ENTRY[code], import.meta.url));
const code = process.env.LABKIT_CODE || (here('source') ? 'source' : here('bundle') ? 'bundle' : 'dist');
if (!Object.hasOwn(ENTRY, code) || !here(code)) {
  process.stderr.write(
    Object.hasOwn(ENTRY, code)
      ? `error[CodeMissing] LABKIT_CODE=${code}, but ${new URL(ENTRY[code], import.meta.url).pathname} is not there\n  hint: run \`pnpm build\` in the Labkit workspace, or unset LABKIT_CODE.\n`
      : `error[CodeUnknown] LABKIT_CODE=${code} is not one of source, bundle, dist\n  hint: unset LABKIT_CODE to run the code that is installed.\n`,
  );
  process.exit(2);
}
const fromSource = code === 'source';
if (fromSource) {
  const { registerHooks } = await import('node:module');
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (!specifier.startsWith('@labkit/')) return nextResolve(specifier, context);
      return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'labkit-source'] });
    },
  });
}
const argv = process.argv.slice(2);
// `lab validate --cache` on an unchanged folder prints its kept output
// without loading the CLI (commander, the command modules, the project
// hook); anything else, or anything it does not take as `validate` would,
// goes on to main() with nothing printed (src/run/validate-hit.ts).
let served;
if (argv[0] === 'validate' && argv.includes('--cache')) {
  const { serveValidateHit } =
    code === 'source' ? await import('../src/run/validate-hit.ts') : code === 'bundle' ? await import('../dist/bundle/validate-hit.js') : await import('../dist/run/validate-hit.js');
  served = await serveValidateHit(argv);
}
if (served !== undefined) process.exitCode = served;
else {
  const { main } = code === 'source' ? await import('../src/main.ts') : code === 'bundle' ? await import('../dist/bundle/main.js') : await import('../dist/main.js');
  process.exitCode = await main(argv);
}
