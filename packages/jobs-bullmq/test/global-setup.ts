import { startRedis } from '@constelite/test-services/redis';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URL of the throwaway Redis started for this test run (each test uses its own queue name). */
    redisUrl: string;
  }
}

/** Starts one throwaway Redis for the whole run and stops it afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const redis = await startRedis();
  project.provide('redisUrl', redis.url);
  return () => redis.stop();
}
