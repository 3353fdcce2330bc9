import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      globalSetup: ['./test/global-setup.ts'],
      // Test files share one server; each uses its own schemas, and two at a time keep 2 cores busy.
      maxWorkers: 2,
      minWorkers: 1,
    },
  }),
);
