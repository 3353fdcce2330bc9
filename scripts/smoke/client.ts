// Compiled and run by scripts/smoke.mjs in a scratch project holding only @constelite/client and core.
import { ConsteliteClient } from '@constelite/client';
import { ref, stateModel } from '@constelite/core';
import { z } from 'zod';

const Cat = stateModel('Cat', { name: z.string().optional() });
const client = new ConsteliteClient({ url: process.env.SMOKE_URL ?? 'http://localhost:8001' });
const store = { uid: '5ef14649-fd40-40a0-a693-de36c855a181' };
const saved = await client.store.put({ ref: ref(Cat({ name: 'Snowball' })), store });
const got = await client.store.get({ ref: saved });
if (got.state?.name !== 'Snowball') throw new Error(`expected Snowball, got ${String(got)}`);
await client.store.delete({ ref: got });
console.log('client-only project talked to the server: put/get/delete ok');
