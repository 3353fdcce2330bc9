import { HonoAPI, type HonoAPIOptions } from '@constelite/server';
import { run } from '@constelite/server/node';
import { openJobsFromEnv } from './jobs.js';
import { isMain } from './main.js';
import * as models from './models.js';
import * as protocols from './protocols.js';
import { createStoreFromEnv, openStoreFromEnv } from './store.js';

/** The port of the seed's API. */
export const DEFAULT_PORT = 8001;

/**
 * The seed's API "Alpha": the memory store (or the store `CONSTELITE_STORE` names), the demo
 * models and the `hello_world` protocol. Options override the defaults (tests pass their own store).
 */
export function createApi(options: Partial<HonoAPIOptions> = {}): HonoAPI {
  const api = new HonoAPI({ name: 'Alpha', stores: options.stores ?? [createStoreFromEnv()], ...options });
  api.discoverProtocols(protocols);
  api.discoverModels(models);
  api.generateApp();
  return api;
}

// `pnpm demo:api`: serve until stopped (Ctrl-C closes the server gracefully).
if (isMain(import.meta.url)) {
  const host = process.env.HOST ?? '127.0.0.1';
  const port = Number(process.env.PORT ?? DEFAULT_PORT);
  const token = process.env.CONSTELITE_TOKEN;
  // CONSTELITE_JOBS_URL=redis://HOST:PORT: jobs go to Redis and `pnpm demo:worker` runs them.
  const jobs = await openJobsFromEnv();
  const api = createApi({
    stores: [await openStoreFromEnv()],
    ...(token ? { auth: { token } } : {}),
    ...(jobs ? { jobs } : {}),
  });
  const server = await run(api, host, port);
  console.log(`API Alpha is serving at ${server.url} (docs: ${server.url}/schema); stop it with Ctrl-C`);
  if (jobs) console.log(`Jobs go to Redis at ${jobs.address}; run them with pnpm demo:worker`);
}
