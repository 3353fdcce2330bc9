import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startPgCluster } from './pg-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The connection URL of the throwaway PostgreSQL cluster started for this test run. */
    pgUrl: string;
  }
}

/** Starts one throwaway PostgreSQL cluster for the whole test run and stops it afterwards. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPgCluster();
  project.provide('pgUrl', cluster.url);
  return () => cluster.stop();
}
