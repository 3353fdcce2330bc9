// Compiled and run by scripts/smoke.mjs in a scratch project holding only @constelite/client and core.
import { ConsteliteClient } from '@constelite/client';
import {
  type AnyStateModel,
  association,
  backref,
  isConsteliteError,
  ref,
  stateModel,
} from '@constelite/core';
import { z } from 'zod';

// The demo API's models, as a client application would define them (answers are validated against them).
const Human = stateModel('Human', {
  name: z.string().optional(),
  cats: backref((): AnyStateModel => Cat, 'carer'),
});
const Cat = stateModel('Cat', { name: z.string().optional(), carer: association(() => Human) });

const client = new ConsteliteClient({ url: process.env.SMOKE_URL ?? 'http://localhost:8001' });
const store = { uid: '5ef14649-fd40-40a0-a693-de36c855a181' };
const saved = await client.store.put({ ref: ref(Cat({ name: 'Snowball' })), store });
const got = await client.store.get({ ref: saved });
if (got.state?.name !== 'Snowball') throw new Error(`expected Snowball, got ${String(got)}`);
await client.store.delete({ ref: got });
const gone = await client.store.get({ ref: got }).then(
  () => 'still there',
  (error: unknown) => (isConsteliteError(error) ? error.code : String(error)),
);
if (gone !== 'RECORD_NOT_FOUND') throw new Error(`expected RECORD_NOT_FOUND after delete, got ${gone}`);
const greeted = await client.runProtocol('hello_world', { name: 'smoke' });
const job = await client.jobs.wait(await client.startJob('hello_world', { name: 'smoke' }), {
  timeoutMs: 10_000,
});
if (greeted !== null || job.status !== 'success')
  throw new Error(`hello_world: ${String(greeted)}, job ${job.status}`);
console.log(
  'client-only project talked to the server: put/get/delete, RECORD_NOT_FOUND, protocol and job ok',
);
