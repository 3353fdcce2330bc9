import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, sortedUids, stateOf, uidOf, uids } from '../helpers.js';
import {
  SuiteBook,
  SuiteCat,
  SuiteGang,
  SuiteHuman,
  SuiteKitten,
  SuitePage,
  SuitePerson,
  SuitePet,
} from '../models.js';
import type { SuiteTest } from '../types.js';

/** Backrefs mirror forward relationships, are never stale, and cannot be written. */
export const backrefCases = {
  'a backref lists the records whose forward relationship points at the record': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const a = await store.put(ref(SuiteCat({ name: 'a', carer: [ann] })));
    const b = await store.put(ref(SuiteCat({ name: 'b', carer: [ann] })));
    await store.put(ref(SuiteCat({ name: 'c' })));
    const cats = stateOf(await store.get(ann)).cats ?? [];
    expect(sortedUids(cats)).toEqual(sortedUids([a, b]));
    expect(
      cats.every((cat) => cat.state_model_name === 'SuiteCat' && cat.record?.store.uid === store.uid),
    ).toBe(true);
  },

  'a backref is maintained for links made to records created in the same put': async ({ store }) => {
    const cat = await store.put(ref(SuiteCat({ name: 'a', carer: [ref(SuiteHuman({ name: 'Ann' }))] })));
    const [carer] = stateOf(await store.get(cat)).carer ?? [];
    if (!carer) throw new Error('the cat should have a carer');
    expect(uids(stateOf(await store.get(carer)).cats)).toEqual([uidOf(cat)]);
  },

  'a backref follows when put(owner) replaces the forward association': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const cat = await store.put(ref(SuiteCat({ carer: [ann] })));
    await store.put(cat.withState(SuiteCat({ carer: [bob] })));
    expect(uids(stateOf(await store.get(ann)).cats)).toEqual([]);
    expect(uids(stateOf(await store.get(bob)).cats)).toEqual([uidOf(cat)]);
  },

  'a backref follows when patch(owner) replaces the forward association': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const cat = await store.put(ref(SuiteCat({ carer: [ann] })));
    await store.patch(cat.withState(SuiteCat({ carer: [bob] })));
    expect(uids(stateOf(await store.get(ann)).cats)).toEqual([]);
    expect(uids(stateOf(await store.get(bob)).cats)).toEqual([uidOf(cat)]);
  },

  'a backref mirrors an aggregation appended by patch and replaced by put': async ({ store }) => {
    const cat = await store.put(ref(SuiteCat({ name: 'a' })));
    const alley = await store.put(ref(SuiteGang({ name: 'Alley' })));
    const roof = await store.put(ref(SuiteGang({ name: 'Roof', members: [cat] })));
    await store.patch(alley.withState(SuiteGang({ members: [cat] })));
    expect(sortedUids(stateOf(await store.get(cat)).gangs)).toEqual(sortedUids([alley, roof]));
    await store.put(roof.withState(SuiteGang({ members: [] })));
    expect(uids(stateOf(await store.get(cat)).gangs)).toEqual([uidOf(alley)]);
  },

  'a backref drops a source record that was deleted': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const a = await store.put(ref(SuiteCat({ carer: [ann] })));
    const b = await store.put(ref(SuiteCat({ carer: [ann] })));
    await store.delete(a);
    expect(uids(stateOf(await store.get(ann)).cats)).toEqual([uidOf(b)]);
  },

  'a backref drops composition members deleted with their owner': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const book = await store.put(
      ref(
        SuiteBook({
          pages: [ref(SuitePage({ index: 1, author: [ann] })), ref(SuitePage({ index: 2, author: [ann] }))],
        }),
      ),
    );
    const [first] = stateOf(await store.get(book)).pages ?? [];
    if (!first) throw new Error('the book should have pages');
    expect(uids(stateOf(await store.get(first)).book)).toEqual([uidOf(book)]);
    expect(uids(stateOf(await store.get(ann)).authored)).toHaveLength(2);
    await store.delete(book);
    expect(uids(stateOf(await store.get(ann)).authored)).toEqual([]);
  },

  'backrefs of two fields of one model pointing at the same model list only the links of their own field':
    async ({ store }) => {
      // readIncomingLinks(target, fields) must honour `fields`: Ann owns Tom and is the vet of
      // Felix; Bob owns Felix and is the vet of Tom.
      const ann = await store.put(ref(SuitePerson({ name: 'Ann' })));
      const bob = await store.put(ref(SuitePerson({ name: 'Bob' })));
      const tom = await store.put(ref(SuitePet({ name: 'Tom', owner: [ann], vet: [bob] })));
      const felix = await store.put(ref(SuitePet({ name: 'Felix', owner: [bob], vet: [ann] })));
      const both = await store.put(ref(SuitePet({ name: 'Both', owner: [ann], vet: [ann] })));
      const annState = stateOf(await store.get(ann));
      expect(sortedUids(annState.pets)).toEqual(sortedUids([tom, both]));
      expect(sortedUids(annState.patients)).toEqual(sortedUids([felix, both]));
      const bobState = stateOf(await store.get(bob));
      expect(uids(bobState.pets)).toEqual([uidOf(felix)]);
      expect(uids(bobState.patients)).toEqual([uidOf(tom)]);
      await store.patch(both.withState(SuitePet({ vet: [bob] })));
      expect(uids(stateOf(await store.get(ann)).patients)).toEqual([uidOf(felix)]);
      expect(sortedUids(stateOf(await store.get(ann)).pets)).toEqual(sortedUids([tom, both]));
    },

  'a backref lists sub-model sources with their own model name': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const tom = await store.put(ref(SuiteKitten({ name: 'Tom', age: 1, carer: [ann] })));
    const cats = stateOf(await store.get(ann)).cats ?? [];
    expect(uids(cats)).toEqual([uidOf(tom)]);
    expect(cats[0]?.state_model_name).toBe('SuiteKitten');
  },

  'writing a backref field is ignored by put and patch': async ({ store }) => {
    const cat = await store.put(ref(SuiteCat({ name: 'a' })));
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann', cats: [cat] })));
    expect(uids(stateOf(await store.get(ann)).cats)).toEqual([]);
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([]);
    await store.patch(ann.withState(SuiteHuman({ cats: [cat] })));
    await store.put(ann.withState(SuiteHuman({ name: 'Ann II', cats: [ref(SuiteCat({ name: 'new' }))] })));
    expect(stateOf(await store.get(ann))).toMatchObject({ name: 'Ann II' });
    expect(uids(stateOf(await store.get(ann)).cats)).toEqual([]);
    await store.put(ref(SuiteHuman({ name: 'Bob', cats: [ref(SuiteCat({ name: 'ghost' }))] })));
    expect(await count(store, SuiteCat)).toBe(1);
  },

  'a backref stays correct when the forward owner is overwritten by its whole state': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(ref(SuiteCat({ name: 'a', carer: [ann] })));
    const gotAnn = await store.get(ann);
    await store.put(gotAnn);
    await store.patch(gotAnn);
    expect(uids(stateOf(await store.get(ann)).cats)).toEqual([uidOf(cat)]);
  },
} satisfies Record<string, SuiteTest>;
