import { startWorker } from '@constelite/jobs-bullmq';
import { createApi } from './api.js';
import { openJobsFromEnv } from './jobs.js';
import { isMain } from './main.js';
import { openStoreFromEnv } from './store.js';

// `pnpm demo:worker`: runs the jobs `pnpm demo:api` instances put into the Redis queue at
// CONSTELITE_JOBS_URL, with the demo's protocols, models and store (same variables as the API).
if (isMain(import.meta.url)) {
  const env = process.env;
  if (!env.CONSTELITE_JOBS_URL?.trim()) {
    console.error(
      'pnpm demo:worker needs CONSTELITE_JOBS_URL=redis://HOST:PORT (the Redis of pnpm demo:api)',
    );
    process.exit(1);
  }
  if ((env.CONSTELITE_STORE?.trim() || 'memory') === 'memory') {
    console.warn(
      "The worker's memory store is its own: records its jobs write are not the API's. Set CONSTELITE_STORE=sqlite or postgres to share them.",
    );
  }
  const queue = await openJobsFromEnv(env);
  if (!queue) throw new Error('unreachable: CONSTELITE_JOBS_URL is set');
  const api = createApi({ stores: [await openStoreFromEnv(env)], jobs: queue });
  const concurrency = Number(env.CONSTELITE_WORKER_CONCURRENCY ?? 4);
  const worker = await startWorker({ api, queue, concurrency });
  console.log(
    `Worker of API Alpha runs the jobs of ${queue.address} (${concurrency} at a time); stop it with Ctrl-C`,
  );
  // Ctrl-C or SIGTERM: stop taking jobs, let the running ones finish, then exit.
  const stop = () => {
    void worker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
