#!/usr/bin/env node
// Bundles the installed `lab` command: packages/cli/dist/bundle/.
//
// Why: a fresh `lab` process loads ~630 ES modules (the unified/micromark
// family, zod, yaml, our own packages) before it does any work. Node pays a
// resolution (package.json reads, realpath, stat) and a compile-cache lookup
// for each: ~0.3 s of a one-file `lab build`, again in every worker thread.
// Bundled, the same code is a handful of files (docs/performance.md).
//
// What is bundled: our packages' compiled dist/ and the pure-JavaScript
// packages they import. What stays external (imported from node_modules as
// before): packages with native parts, binaries, WASM, their own file
// lookups, or that are large and loaded only by some commands (EXTERNAL).
// An external that @labkit/cli does not depend on itself is imported through
// a one-line re-export in the package that does (dist/_ext/<name>.js, its
// `./_ext/*` export), so it resolves from the right node_modules under any
// install layout and is the very module the unbundled code would load.
//
// Our code finds files next to itself (`new URL('./x', import.meta.url)`:
// client scripts, the Astro app, child-process entries, its own sources for
// cache keys). In the bundle import.meta.url is the bundle's, so each
// `import.meta.url` in our code is rewritten to the URL of the file it was
// compiled to (found from its package's root at run time), and each
// `import.meta.resolve(x)` to a lookup from its own package. Worker entries
// and the SDK are entries of the bundle too, so workers load bundled code and
// a `*.lab.ts` file's `import 'labkit'` shares the CLI's module instances.
//
// Run from packages/cli after its tsc build (its `build` script does), with
// the other packages' dist/ built (`pnpm build` builds in dependency order).
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXTERNAL, packageName, shimName } from './bundle-externals.mjs';

const cliDir = process.cwd();
const packagesDir = path.dirname(cliDir);
const outDir = path.join(cliDir, 'dist', 'bundle');
const esbuild = createRequire(path.join(cliDir, 'package.json'))('esbuild');

/** Bundle entries: output name → the compiled file. The workers' are named by URL (`new URL('./x.js', import.meta.url)`), see onLoad. */
const ENTRIES = {
  main: 'cli/dist/main.js',
  'validate-hit': 'cli/dist/run/validate-hit.js',
  author: 'cli/dist/author.js',
  sdk: 'sdk/dist/index.js',
  'validate-worker': 'cli/dist/run/validate-worker.js',
  'parse-worker': 'sdk/dist/graph/parse-worker.js',
  'render-worker': 'site/dist/build/render-worker.js',
  'search-feed-worker': 'site/dist/build/search-feed-worker.js',
};
/** What `import.meta.resolve(name)` of these means in the bundle: its entry. */
const RESOLVE_TO_ENTRY = { '@labkit/sdk': 'sdk', '@labkit/cli/author': 'author' };

const byFile = new Map(Object.entries(ENTRIES).map(([name, rel]) => [path.join(packagesDir, rel), name]));
const cliManifest = JSON.parse(readFileSync(path.join(cliDir, 'package.json'), 'utf8'));
const cliDeps = new Set(Object.keys(cliManifest.dependencies ?? {}));
/** `packages/<dir>/…` → the workspace package's directory name, or undefined for node_modules. */
const ownPackage = (file) => {
  const rel = path.relative(packagesDir, file);
  if (rel.startsWith('..') || rel.includes('node_modules')) return undefined;
  return rel.split(path.sep)[0];
};
const shims = new Map(); // "<pkgDir>\0<spec>" → shim specifier
const helper = path.join(mkdtempSync(path.join(tmpdir(), 'labkit-bundle-')), 'bundle-paths.js');

/** @type {import('esbuild').Plugin} */
const labkit = {
  name: 'labkit',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:') || args.kind === 'entry-point') return undefined;
      const name = packageName(args.path);
      if (!EXTERNAL.has(name)) return undefined; // bundled
      const owner = ownPackage(args.importer);
      if (owner === undefined) return undefined; // a bundled package's own import: bundle it too
      if (owner === 'cli' || cliDeps.has(name)) return { path: args.path, external: true };
      const key = `${owner}\0${args.path}`;
      if (!shims.has(key)) shims.set(key, `@labkit/${owner}/_ext/${shimName(args.path)}`);
      return { path: shims.get(key), external: true };
    });
    build.onLoad({ filter: /\.js$/ }, (args) => {
      const owner = ownPackage(args.path);
      if (owner === undefined) return undefined;
      let code = readFileSync(args.path, 'utf8');
      if (!code.includes('import.meta')) return undefined;
      const pkgName = JSON.parse(readFileSync(path.join(packagesDir, owner, 'package.json'), 'utf8')).name;
      const rel = path.relative(path.join(packagesDir, owner), args.path).split(path.sep).join('/');
      // esbuild itself finds the import.meta expressions (not their look-alikes
      // inside strings: runtime's runner image writes a banner that holds one).
      code = esbuild.transformSync(code, { loader: 'js', format: 'esm', target: 'node24', define: { 'import.meta.url': '__lk_meta_url', 'import.meta.resolve': '__lk_meta_resolve' } }).code;
      // A worker entry named next to import.meta.url: the bundle's own entry.
      code = code.replace(/(['"`])(\.{1,2}\/[^'"`$]+\.js)\1(\s*,\s*)__lk_meta_url\b/g, (all, q, target, comma) => {
        const entry = byFile.get(path.resolve(path.dirname(args.path), target));
        return entry ? `'./${entry}.js'${comma}import.meta.url` : all;
      });
      code = code.replace(/__lk_meta_resolve\((['"])([^'"]+)\1\)/g, (all, q, spec) =>
        RESOLVE_TO_ENTRY[spec] ? `new URL('./${RESOLVE_TO_ENTRY[spec]}.js', import.meta.url).href` : all,
      );
      code = code.replace(/__lk_meta_resolve\b/g, `((spec) => __lk.resolveFrom(${JSON.stringify(pkgName)}, spec))`);
      code = code.replace(/__lk_meta_url\b/g, `__lk.url(${JSON.stringify(pkgName)}, ${JSON.stringify(rel)})`);
      const left = /\bimport\.meta\.(?!url\b)\w+/.exec(code);
      if (left) throw new Error(`${args.path}: ${left[0]} is not rewritten for the bundle`);
      code = `import * as __lk from ${JSON.stringify(helper)};\n${code}`;
      return { contents: code, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
writeFileSync(
  helper,
  `// Written by scripts/bundle-cli.mjs: where the bundled modules' own files are.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
const roots = new Map();
/** The installed package's root, as a URL ending in '/'. */
function root(pkg) {
  let r = roots.get(pkg);
  if (r === undefined) roots.set(pkg, (r = new URL('./', import.meta.resolve(pkg + '/package.json')).href));
  return r;
}
/** The URL a bundled module of \`pkg\` had before bundling (its import.meta.url). */
export function url(pkg, rel) {
  return new URL(rel, root(pkg)).href;
}
/** \`import.meta.resolve(spec)\` as \`pkg\`'s code would get it, for a package: its package.json. */
export function resolveFrom(pkg, spec) {
  const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
  let dir = fileURLToPath(root(pkg));
  for (;;) {
    const candidate = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return pathToFileURL(candidate).href;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('Cannot find package ' + spec + ' from ' + pkg);
    dir = up;
  }
}
`,
);

const result = await esbuild.build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, rel]) => [name, path.join(packagesDir, rel)])),
  outdir: outDir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  chunkNames: 'chunk-[hash]',
  // Bundled CommonJS (commander) requires Node's built-ins.
  banner: { js: "import { createRequire as __lkCreateRequire } from 'node:module'; const require = __lkCreateRequire(import.meta.url);" },
  plugins: [labkit],
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  sourcemap: 'linked',
  sourcesContent: false,
});
rmSync(path.dirname(helper), { recursive: true, force: true });
if (result.errors.length) process.exit(1);

// Each package's build wrote the re-exports of the externals its code imports
// (scripts/build-package.mjs); one the bundle needs and that is missing would
// fail at run time, so it fails the build here.
for (const [key, spec] of shims) {
  const [owner, target] = key.split('\0');
  const file = path.join(packagesDir, owner, 'dist', '_ext', `${shimName(target)}.js`);
  if (!existsSync(file)) throw new Error(`${spec}: ${path.relative(packagesDir, file)} is missing (rebuild @labkit/${owner})`);
}
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.js'));
const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0);
const modules = Object.keys(result.metafile.inputs).length;
process.stdout.write(`cli: dist/bundle/ built (${modules} modules into ${outputs.length} files, ${(bytes / 1e6).toFixed(1)} MB; ${shims.size} external re-exports)\n`);
