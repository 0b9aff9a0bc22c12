import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * Tests run the @labkit packages from their TypeScript sources: an import of
 * `@labkit/<pkg>[/<subpath>]` goes to the `labkit-source` entry of that
 * package's exports map (src/), never to dist/ (see docs/packages.md).
 * A resolver rather than `resolve.conditions`: replacing Vite's condition
 * list changes how third-party packages resolve (the AWS SDK then loads its
 * bundler-only ESM build, which Node cannot run).
 */
const labkitSource = {
  name: 'labkit-source',
  enforce: 'pre' as const,
  resolveId(id: string): string | undefined {
    const m = /^@labkit\/([\w-]+)(\/[\w./-]+)?$/.exec(id);
    if (!m) return undefined;
    const dir = path.join(packagesDir, m[1]!);
    let exports: Record<string, unknown>;
    try {
      exports = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> }).exports;
    } catch {
      return undefined;
    }
    const entry = exports[`.${m[2] ?? ''}`] as { 'labkit-source'?: string } | undefined;
    return entry?.['labkit-source'] ? path.join(dir, entry['labkit-source']) : undefined;
  },
};

export default defineConfig({
  plugins: [labkitSource],
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    // Browser and VM tests on a loaded 2-core CI machine: 30 s timed out good runs.
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
