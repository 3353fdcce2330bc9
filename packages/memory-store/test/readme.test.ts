// The README's usage example, run as it is written (keep the two in step).
import { type AnyStateModel, association, backref, ref, stateModel } from '@constelite/core';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryStore } from '../src/index.js';

it('the README usage example runs', async () => {
  const Human = stateModel('Human', { name: z.string(), cats: backref((): AnyStateModel => Cat, 'carer') });
  const Cat = stateModel('Cat', { name: z.string(), carer: association(() => Human) });

  const store = new MemoryStore({ uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' });
  const ann = await store.put(ref(Human({ name: 'Ann' })));
  const saved = await store.put(ref(Cat({ name: 'Snowball', carer: [ann] }))); // record set, state null
  const got = await store.get(saved); // full state
  got.name = 'Snowball II';
  await store.patch(got);
  const found = await store.query({ model: Cat, where: { name: 'Snowball II' }, includeStates: true });
  const cats = (await store.get(ann)).cats; // [ref to the cat]: backrefs are kept by the store
  await store.delete(got);

  store.enableGuids(); // refs now carry guids, kept with the records

  expect(saved.state).toBeNull();
  expect(found.map((cat) => cat.state?.name)).toEqual(['Snowball II']);
  expect(cats?.map((cat) => cat.record?.uid)).toEqual([saved.record?.uid]);
  expect((await store.put(ref(Cat({ name: 'Bella' })))).guid).toBeTypeOf('string');
});
