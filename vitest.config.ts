import { defineConfig } from 'vitest/config';

// Tests run the @labkit packages from their TypeScript sources: the
// `labkit-source` export condition picks src/ over dist/ (see docs/packages.md).
// The rest of each list is Vite's default.
const SOURCE = 'labkit-source';

export default defineConfig({
  resolve: { conditions: [SOURCE, 'module', 'browser', 'development|production'] },
  ssr: { resolve: { conditions: [SOURCE, 'module', 'node', 'development|production'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
