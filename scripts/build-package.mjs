#!/usr/bin/env node
// Builds one workspace package for publishing: `tsc -p tsconfig.build.json`
// (ESM JavaScript + .d.ts into dist/, mirroring src/), then copies every
// non-TypeScript file under src/ (client scripts and styles, the guest agent's
// C source, generated JSON) to the same place under dist/, because code finds
// them next to itself with `new URL('./x', import.meta.url)`.
// Run from the package folder: `node ../../scripts/build-package.mjs`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { EXTERNAL, packageName, shimName } from './bundle-externals.mjs';

const pkgDir = process.cwd();
const src = path.join(pkgDir, 'src');
const dist = path.join(pkgDir, 'dist');
rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit', cwd: pkgDir });
if (r.status !== 0) process.exit(r.status ?? 1);

let copied = 0;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(abs);
    else if (!/\.(c|m)?ts$/.test(entry.name) || entry.name.endsWith('.d.ts')) {
      const to = path.join(dist, path.relative(src, abs));
      mkdirSync(path.dirname(to), { recursive: true });
      copyFileSync(abs, to);
      copied++;
    }
  }
};
walk(src);

// dist/_ext/<name>.js: a re-export of each external package (bundle-externals.mjs)
// this package's code imports, for @labkit/cli's bundle (scripts/bundle-cli.mjs),
// which cannot resolve a package it does not depend on itself; through this
// package's `./_ext/*` export it gets the very module this package's code would.
const specs = new Set();
const scan = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) scan(abs);
    else if (entry.name.endsWith('.js')) {
      for (const m of readFileSync(abs, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"./][^'"]*)\1/g)) {
        if (EXTERNAL.has(packageName(m[2]))) specs.add(m[2]);
      }
    }
  }
};
const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
if (manifest.name !== '@labkit/cli') scan(dist); // the bundle resolves the CLI's own dependencies
if (specs.size && !manifest.exports?.['./_ext/*']) throw new Error(`${manifest.name} imports ${[...specs].join(', ')}: its package.json needs "./_ext/*": "./dist/_ext/*.js" in exports`);
for (const spec of specs) {
  mkdirSync(path.join(dist, '_ext'), { recursive: true });
  writeFileSync(
    path.join(dist, '_ext', `${shimName(spec)}.js`),
    `// Written by scripts/build-package.mjs: ${spec}, resolved from this package, for @labkit/cli's bundle.\nexport * from '${spec}';\nimport * as ns from '${spec}';\nexport default ns.default;\n`,
  );
}
process.stdout.write(`${path.basename(pkgDir)}: dist/ built (${copied} asset files copied, ${specs.size} external re-exports)\n`);
