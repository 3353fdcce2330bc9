// Compiled and run by scripts/smoke.mjs in a scratch project that installed the packed tarballs.
import { aggregation, isConsteliteError, ref, type StateOf, stateModel } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { MemoryGuidMap, Store } from '@constelite/store';
import { z } from 'zod';

const Cat = stateModel('Cat', { name: z.string().optional() });
const Gang = stateModel('Gang', { members: aggregation(() => Cat) });
type Cat = StateOf<typeof Cat>;

const store = new MemoryStore({ uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' });
store.setGuidMap(new MemoryGuidMap());
const saved = await store.put(ref(Cat({ name: 'Snowball' })));
const got = await store.get(saved);
const name: string | undefined = got.name;
const gang = await store.put(ref(Gang({ members: [saved] })));
await store.delete(saved);
const after = await store.get(gang);
let notFound = false;
try {
  await store.get(saved);
} catch (error) {
  notFound = isConsteliteError(error, 'RECORD_NOT_FOUND');
}
const cat: Cat = { model_name: 'Cat', name: 'x' };
if (
  name !== 'Snowball' ||
  !notFound ||
  after.members?.length !== 0 ||
  !(store instanceof Store) ||
  !got.guid ||
  !cat
) {
  throw new Error('the data layer did not behave as documented');
}
console.log('data layer from tarballs: put/get/delete/guid ok');
