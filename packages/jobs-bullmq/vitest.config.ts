import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      globalSetup: ['./test/global-setup.ts'],
      // The multi-process test measures an API's latency while workers burn CPU: on 2 cores the
      // test files run one at a time so that they do not measure each other.
      fileParallelism: false,
      testTimeout: 60_000,
    },
  }),
);
