import { ConsteliteClient } from '@constelite/client';
import { isConsteliteError, ref } from '@constelite/core';
import { isMain } from './main.js';
import { Cat } from './models.js';
import type * as protocols from './protocols.js';
import { MEMORY_STORE_UID } from './store.js';

/** What the walkthroughs use of a client typed with (at least) the demo's protocols. */
export type DemoClient = Pick<ConsteliteClient<typeof protocols>, 'store' | 'protocols' | 'jobs'>;

/**
 * The seed's "Using stores" walkthrough, step for step: ref, put, get, patch, get, delete, and
 * a get after the delete that fails. Prints each ref as the seed does, then calls the protocol.
 */
export async function seedWalkthrough(
  client: DemoClient,
  print: (line: string) => void = console.log,
): Promise<void> {
  let rCat = ref(Cat({ name: 'Snowball' }));
  print(`\n# ref(Cat({ name: 'Snowball' }))\n${rCat}`);

  rCat = await client.store.put({ ref: rCat, store: { uid: MEMORY_STORE_UID } });
  print(`\n# client.store.put: the record is created, the state is not sent back\n${rCat}`);

  rCat = await client.store.get({ ref: rCat });
  print(`\n# client.store.get: record and state\n${rCat}`);

  rCat.name = 'Snowball II';
  rCat = await client.store.patch({ ref: rCat });
  rCat = await client.store.get({ ref: rCat });
  print(`\n# rCat.name = 'Snowball II'; client.store.patch, then client.store.get\n${rCat}`);

  await client.store.delete({ ref: rCat });
  print(`\n# client.store.delete: record ${rCat.uid} deleted`);

  try {
    await client.store.get({ ref: rCat });
    throw new Error(`Cat ${rCat.uid} can still be read after it was deleted`);
  } catch (error) {
    if (!isConsteliteError(error, 'RECORD_NOT_FOUND')) throw error;
    print(`\n# client.store.get after delete fails with ${error.code}: ${error.message}`);
  }

  await client.protocols.hello_world({ name: 'Steve' });
  print(`\n# client.protocols.hello_world({ name: 'Steve' }): the API logged "Hello, Steve!"`);
  const job = await client.jobs.hello_world({ name: 'Steve' });
  const done = await client.jobs.wait(job, { timeoutMs: 10_000 });
  print(
    `\n# client.jobs.hello_world({ name: 'Steve' }): job ${done.uid} went from ${job.status} to ${done.status}`,
  );
}

// `tsx src/client.ts` against a running `pnpm demo:api` (or CONSTELITE_URL).
if (isMain(import.meta.url)) {
  const client: DemoClient = new ConsteliteClient({
    url: process.env.CONSTELITE_URL ?? 'http://localhost:8001',
  });
  await seedWalkthrough(client);
}
