// Compiled (strict, skipLibCheck: false) and run by scripts/smoke.mjs in a scratch project holding
// only @constelite/client, @constelite/core and zod: typed calls come from ./contract.ts alone.
import { ConsteliteClient } from '@constelite/client';
import { isConsteliteError, type RefTo, ref, type StateOf } from '@constelite/core';
import type * as contract from './contract.js';
import { Cat, type Human } from './contract.js';

/** Fails to compile unless A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const same = <A, B>(check: Equal<A, B>) => check;

const client = new ConsteliteClient<typeof contract>({
  url: process.env.SMOKE_URL ?? 'http://localhost:8001',
});
const store = { uid: '5ef14649-fd40-40a0-a693-de36c855a181' };
const saved = await client.store.put({ ref: ref(Cat({ name: 'Snowball' })), store });
const got = await client.store.get({ ref: saved });
if (got.state?.name !== 'Snowball') throw new Error(`expected Snowball, got ${String(got)}`);

// Typed protocol calls: arguments checked, results typed (a state model's ref as a RefTo).
const greeted = await client.protocols.hello_world({ name: 'smoke' });
same<typeof greeted, null>(true);
const carer = await client.protocols.give_cat_a_carer({ cat: saved, carer_name: 'Alice' });
same<typeof carer, RefTo<StateOf<typeof Human>>>(true);
const typeOnly = () => {
  // @ts-expect-error name must be a string
  void client.protocols.hello_world({ name: 42 });
  // @ts-expect-error carer_name is required
  void client.protocols.give_cat_a_carer({ cat: saved });
  // @ts-expect-error the contract has no such protocol
  void client.protocols.goodbye_world({ name: 'smoke' });
};
void typeOnly;
const carerState = await client.store.get({ ref: carer });
if (carerState.name !== 'Alice') throw new Error(`expected the carer Alice, got ${String(carerState)}`);

// Fire-and-forget, jobs typed from the contract, and the raw call.
const sent = await client.protocols.hello_world({ name: 'fire and forget' }, { waitForResponse: false });
same<typeof sent, void>(true);
const job = await client.jobs.wait(await client.jobs.hello_world({ name: 'smoke' }), { timeoutMs: 10_000 });
same<typeof job.result, null>(true);
const raw = await client.call('/store/get', { ref: saved, store: null });
same<typeof raw, unknown>(true);

await client.store.delete({ ref: got });
const gone = await client.store.get({ ref: got }).then(
  () => 'still there',
  (error: unknown) => (isConsteliteError(error) ? error.code : String(error)),
);
if (gone !== 'RECORD_NOT_FOUND') throw new Error(`expected RECORD_NOT_FOUND after delete, got ${gone}`);
if (greeted !== null || job.status !== 'success')
  throw new Error(`hello_world: ${String(greeted)}, job ${job.status}`);
console.log(
  'client-only project talked to the server: put/get/delete, RECORD_NOT_FOUND, typed protocols from a core-only contract, fire-and-forget, job and raw call ok',
);
