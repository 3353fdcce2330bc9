import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

/** Tests run against each package's TypeScript sources (no build needed) through this export condition. */
export const sourceCondition = '@constelite/source';

export default defineConfig({
  resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The JSON report feeds scripts/test-summary.mjs, which prints one closing line for the whole repo.
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
