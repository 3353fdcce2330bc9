import { type Ref, ref } from '@constelite/core';
import { expect } from 'vitest';
import { expectError, sortedUids, uidOf, uids } from '../helpers.js';
import { SuiteCat, SuiteCollar, SuiteGang, SuiteHuman, SuiteKitten } from '../models.js';
import type { SuiteStore, SuiteTest } from '../types.js';

async function putCats(store: SuiteStore) {
  const snowball = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, tags: ['white'] })));
  const bella = await store.put(ref(SuiteCat({ name: 'Bella', lives: 9, tags: ['black', 'white'] })));
  const tom = await store.put(ref(SuiteKitten({ name: 'Tom', lives: 7, age: 1 })));
  const ann = await store.put(ref(SuiteHuman({ name: 'Snowball' })));
  return { snowball, bella, tom, ann };
}

/** query({model, where, includeStates}). */
export const queryCases = {
  'query(model) without where returns every record of the model': async ({ store }) => {
    const { snowball, bella, tom, ann } = await putCats(store);
    expect(sortedUids(await store.query({ model: SuiteCat }))).toEqual(sortedUids([snowball, bella, tom]));
    expect(sortedUids(await store.query({ model: SuiteHuman }))).toEqual([uidOf(ann)]);
  },

  'query(model, where) returns the records whose static fields equal every given value': async ({
    store,
  }) => {
    const { snowball, bella, tom } = await putCats(store);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { name: 'Snowball' } }))).toEqual([
      uidOf(snowball),
    ]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 9 } }))).toEqual(
      sortedUids([snowball, bella]),
    );
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 7, name: 'Tom' } }))).toEqual([
      uidOf(tom),
    ]);
    expect(await store.query({ model: SuiteCat, where: { lives: 9, name: 'Tom' } })).toEqual([]);
  },

  'query(model, where) matches boolean fields, false as well as true, and never a record without the field':
    async ({ store }) => {
      const snowball = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, vaccinated: true })));
      const bella = await store.put(ref(SuiteCat({ name: 'Bella', lives: 9, vaccinated: false })));
      const tom = await store.put(ref(SuiteKitten({ name: 'Tom', lives: 7, vaccinated: true, age: 1 })));
      await store.put(ref(SuiteCat({ name: 'Stray', lives: 9 })));
      expect(sortedUids(await store.query({ model: SuiteCat, where: { vaccinated: true } }))).toEqual(
        sortedUids([snowball, tom]),
      );
      expect(sortedUids(await store.query({ model: SuiteCat, where: { vaccinated: false } }))).toEqual([
        uidOf(bella),
      ]);
      expect(
        sortedUids(await store.query({ model: SuiteCat, where: { lives: 9, vaccinated: true } })),
      ).toEqual([uidOf(snowball)]);
    },

  'query(model, where) matches a value of the same type only: "9" is not 9, "true" is not true, 1 is not true':
    async ({ store }) => {
      const nine = await store.put(ref(SuiteCat({ name: '9', lives: 9, vaccinated: true })));
      const one = await store.put(ref(SuiteCat({ name: 'true', lives: 1, vaccinated: false })));
      expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 9 } }))).toEqual([uidOf(nine)]);
      expect(sortedUids(await store.query({ model: SuiteCat, where: { name: 'true' } }))).toEqual([
        uidOf(one),
      ]);
      for (const where of [
        { lives: '9' },
        { name: 9 },
        { vaccinated: 'true' },
        { name: true },
        { vaccinated: 1 },
        { lives: true },
        { vaccinated: 0 },
        { lives: '1' },
      ]) {
        expect(await store.query({ model: SuiteCat, where }), JSON.stringify(where)).toEqual([]);
      }
    },

  'query(model, where) compares lists and nested values as whole values': async ({ store }) => {
    const { bella } = await putCats(store);
    const collared = await store.put(ref(SuiteCat({ collar: SuiteCollar({ colour: 'red', size: 2 }) })));
    expect(sortedUids(await store.query({ model: SuiteCat, where: { tags: ['black', 'white'] } }))).toEqual([
      uidOf(bella),
    ]);
    expect(await store.query({ model: SuiteCat, where: { tags: ['black'] } })).toEqual([]);
    expect(
      sortedUids(
        await store.query({
          model: SuiteCat,
          where: { collar: { model_name: 'SuiteCollar', colour: 'red', size: 2 } },
        }),
      ),
    ).toEqual([uidOf(collared)]);
  },

  'query(model) includes sub-model records, each ref naming its own model': async ({ store }) => {
    const { tom } = await putCats(store);
    const found = await store.query({ model: SuiteCat, where: { name: 'Tom' } });
    expect(found.map((item) => item.record?.uid)).toEqual([uidOf(tom)]);
    expect(found[0]?.state_model_name).toBe('SuiteKitten');
    expect(found[0]?.record?.store.uid).toBe(store.uid);
  },

  'query(sub-model) leaves out records of the parent model': async ({ store }) => {
    const { tom } = await putCats(store);
    expect(sortedUids(await store.query({ model: SuiteKitten }))).toEqual([uidOf(tom)]);
  },

  'query returns refs without state unless includeStates is true': async ({ store }) => {
    await putCats(store);
    const found = await store.query({ model: SuiteCat });
    expect(found).toHaveLength(3);
    expect(found.every((item) => item.state === null)).toBe(true);
    expect(
      (await store.query({ model: SuiteCat, includeStates: false })).every((item) => item.state === null),
    ).toBe(true);
  },

  'query(includeStates: true) returns the full state of each record': async ({ store }) => {
    const { tom } = await putCats(store);
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    await store.patch(tom.withState(SuiteKitten({ carer: [ann] })));
    const found = await store.query({ model: SuiteCat, where: { name: 'Tom' }, includeStates: true });
    expect(found).toHaveLength(1);
    expect(found[0]?.state).toMatchObject({ model_name: 'SuiteKitten', name: 'Tom', lives: 7, age: 1 });
    expect(uids(found[0]?.state?.carer as Ref[] | undefined)).toEqual([uidOf(ann)]);
  },

  'query of a model without records returns an empty list': async ({ store }) => {
    await putCats(store);
    expect(await store.query({ model: SuiteGang })).toEqual([]);
    expect(await store.query({ model: SuiteGang, includeStates: true })).toEqual([]);
  },

  'query leaves out deleted records': async ({ store }) => {
    const { snowball, bella, tom } = await putCats(store);
    await store.delete(snowball);
    expect(sortedUids(await store.query({ model: SuiteCat }))).toEqual(sortedUids([bella, tom]));
    expect(await store.query({ model: SuiteCat, where: { name: 'Snowball' } })).toEqual([]);
  },

  'query sees the values written by put and patch': async ({ store }) => {
    const { snowball, bella } = await putCats(store);
    await store.patch(snowball.withState(SuiteCat({ name: 'Snowball II' })));
    expect(await store.query({ model: SuiteCat, where: { name: 'Snowball' } })).toEqual([]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { name: 'Snowball II' } }))).toEqual([
      uidOf(snowball),
    ]);
    await store.put(snowball.withState(SuiteCat({ lives: 8 })));
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 9 } }))).toEqual([uidOf(bella)]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 8 } }))).toEqual([
      uidOf(snowball),
    ]);
    expect(
      sortedUids(await store.query({ model: SuiteCat, where: { lives: 8, name: 'Snowball II' } })),
    ).toEqual([uidOf(snowball)]);
  },

  'query by a field that is not static is a VALIDATION_FAILED error naming the field': async ({ store }) => {
    await expectError(store.query({ model: SuiteCat, where: { carer: [] } }), 'VALIDATION_FAILED', 'carer');
  },
} satisfies Record<string, SuiteTest>;
