import { ConsteliteClient } from '@constelite/client';
import { run } from '@constelite/server/node';
import { createApi } from './api.js';
import { type DemoClient, seedWalkthrough } from './client.js';
import { relationshipsWalkthrough } from './relationships.js';

/**
 * `pnpm demo`: starts the API "Alpha" in this process (on $PORT, or a free port so that a
 * running `pnpm demo:api` is not disturbed), runs both walkthroughs against it over HTTP,
 * prints what happened, stops the API and exits 0 (1 on any failure).
 */
async function main(): Promise<void> {
  const api = createApi();
  const server = await run(api, '127.0.0.1', Number(process.env.PORT ?? 0));
  console.log(`API Alpha is serving at ${server.url}`);
  try {
    const client: DemoClient = new ConsteliteClient({ url: server.url });
    console.log('\n## The seed walkthrough: using stores');
    await seedWalkthrough(client);
    console.log('\n## Relationships');
    await relationshipsWalkthrough(client);
    console.log('\nDemo finished: every step behaved as described.');
  } finally {
    await server.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error('Demo failed:', error);
    process.exit(1);
  },
);
