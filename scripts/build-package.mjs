#!/usr/bin/env node
// Builds one workspace package for publishing: `tsc -p tsconfig.build.json`
// (ESM JavaScript + .d.ts into dist/, mirroring src/), then copies every
// non-TypeScript file under src/ (client scripts and styles, the guest agent's
// C source, generated JSON) to the same place under dist/, because code finds
// them next to itself with `new URL('./x', import.meta.url)`.
// Run from the package folder: `node ../../scripts/build-package.mjs`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

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
process.stdout.write(`${path.basename(pkgDir)}: dist/ built (${copied} asset files copied)\n`);
