import { randomUUID } from 'node:crypto';
import { type Ref, ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, rawRef, stateOf, uidOf } from '../helpers.js';
import { SuiteBook, SuiteCat, SuiteHuman, SuitePage } from '../models.js';
import type { SuiteTest } from '../types.js';

const byGuid = (model: string, guid: string | null) => rawRef({ state_model_name: model, guid });

/** GUIDs: assigned on create, carried by refs, shared across stores, dropped on delete. */
export const guidCases = {
  'with a guid map, put(new record) assigns a guid that every ref to the record carries': async ({
    store,
    enableGuids,
  }) => {
    enableGuids(store);
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    expect(saved.guid).toBeTypeOf('string');
    expect((await store.get(saved)).guid).toBe(saved.guid);
    expect((await store.put(saved.withState(SuiteCat({ lives: 3 })))).guid).toBe(saved.guid);
    expect((await store.patch(saved.withState(SuiteCat({ lives: 4 })))).guid).toBe(saved.guid);
    expect((await store.query({ model: SuiteCat }))[0]?.guid).toBe(saved.guid);
    expect((await store.bulkGet([saved]))[0]?.guid).toBe(saved.guid);
    const other = await store.put(ref(SuiteCat({ name: 'Bella' })));
    expect(other.guid).not.toBe(saved.guid);
  },

  'with a guid map, records created inside relationships get guids that relationship refs carry': async ({
    store,
    enableGuids,
  }) => {
    enableGuids(store);
    const book = await store.put(ref(SuiteBook({ pages: [ref(SuitePage({ index: 1 }))] })));
    const [page] = stateOf(await store.get(book)).pages ?? [];
    expect(page?.guid).toBeTypeOf('string');
    const gotPage = await store.get(byGuid('SuitePage', page?.guid ?? null));
    expect(gotPage.record?.uid).toBe(page?.record?.uid);
    expect((stateOf(gotPage).book as Ref[] | undefined)?.[0]?.guid).toBe(book.guid);
  },

  'put(new record) of a ref with a guid keeps that guid': async ({ store, enableGuids }) => {
    enableGuids(store);
    const guid = randomUUID();
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' }), { guid }));
    expect(saved.guid).toBe(guid);
    expect((await store.get(saved)).guid).toBe(guid);
  },

  'a ref put into a second store keeps its guid and links both records to one entity': async ({
    store,
    newStore,
    enableGuids,
  }) => {
    const second = await newStore();
    enableGuids(store, second);
    const first = await store.get(await store.put(ref(SuiteCat({ name: 'Snowball' }))));
    const copy = await second.put(ref(stateOf(first), { guid: first.guid }));
    expect(copy.guid).toBe(first.guid);
    expect(copy.record?.store.uid).toBe(second.uid);
    const fromSecond = await second.get(byGuid('SuiteCat', first.guid));
    expect(fromSecond.record?.uid).toBe(uidOf(copy));
    expect(stateOf(fromSecond).name).toBe('Snowball');
    expect((await store.get(byGuid('SuiteCat', first.guid))).record?.uid).toBe(uidOf(first));
  },

  'a ref with only a guid is accepted by get, put, patch and delete': async ({ store, enableGuids }) => {
    enableGuids(store);
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9 })));
    const guidOnly = byGuid('SuiteCat', saved.guid);
    expect((await store.get(guidOnly)).record?.uid).toBe(uidOf(saved));
    expect(uidOf(await store.put(guidOnly.withState(SuiteCat({ name: 'Snowball II' }))))).toBe(uidOf(saved));
    expect(uidOf(await store.patch(guidOnly.withState(SuiteCat({ lives: 8 }))))).toBe(uidOf(saved));
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball II', lives: 8 });
    expect(await count(store, SuiteCat)).toBe(1);
    await store.delete(guidOnly);
    await expectError(store.get(saved), 'RECORD_NOT_FOUND', uidOf(saved));
  },

  'a ref with only a guid links the record of that guid inside a relationship': async ({
    store,
    enableGuids,
  }) => {
    enableGuids(store);
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(ref(SuiteCat({ carer: [byGuid('SuiteHuman', ann.guid)] })));
    expect(stateOf(await store.get(cat)).carer?.map((carer) => carer.record?.uid)).toEqual([uidOf(ann)]);
    expect(await count(store, SuiteHuman)).toBe(1);
  },

  'delete drops the guid link: the guid no longer finds the record': async ({ store, enableGuids }) => {
    enableGuids(store);
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const guid = saved.guid as string;
    await store.delete(saved);
    await expectError(store.get(byGuid('SuiteCat', guid)), 'RECORD_NOT_FOUND', guid);
    const again = await store.put(ref(SuiteCat({ name: 'Snowball' }), { guid }));
    expect(uidOf(again)).not.toBe(uidOf(saved));
    expect(again.guid).toBe(guid);
  },

  'delete(owner) drops the guids of its composition members': async ({ store, enableGuids }) => {
    enableGuids(store);
    const book = await store.put(ref(SuiteBook({ pages: [ref(SuitePage({ index: 1 }))] })));
    const [page] = stateOf(await store.get(book)).pages ?? [];
    const guid = page?.guid as string;
    await store.delete(book);
    await expectError(store.get(byGuid('SuitePage', guid)), 'RECORD_NOT_FOUND', guid);
  },

  "a guid that conflicts with the record's guid is a GUID_CONFLICT error and changes nothing": async ({
    store,
    enableGuids,
  }) => {
    enableGuids(store);
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const conflicting = rawRef({
      state_model_name: 'SuiteCat',
      record: saved.record,
      guid: randomUUID(),
      state: { model_name: 'SuiteCat', name: 'Impostor' },
    });
    await expectError(store.put(conflicting), 'GUID_CONFLICT', uidOf(saved));
    await expectError(store.patch(conflicting), 'GUID_CONFLICT', uidOf(saved));
    const got = await store.get(saved);
    expect(stateOf(got).name).toBe('Snowball');
    expect(got.guid).toBe(saved.guid);
  },

  'a ref from another store (record, guid and state) put with guids on resolves by guid: a new record linked to the guid, then that record':
    async ({ store, newStore, enableGuids }) => {
      const second = await newStore();
      enableGuids(store, second);
      const first = await store.get(await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9 }))));
      const copy = await second.put(first);
      expect(copy.record?.store.uid).toBe(second.uid);
      expect(copy.guid).toBe(first.guid);
      expect(stateOf(await second.get(copy))).toMatchObject({ name: 'Snowball', lives: 9 });
      // The same foreign ref again writes to the record of its guid in the second store.
      const again = await second.put(first.withState(SuiteCat({ name: 'Snowball II' })));
      expect(uidOf(again)).toBe(uidOf(copy));
      expect(await count(second, SuiteCat)).toBe(1);
      expect(stateOf(await second.get(copy)).name).toBe('Snowball II');
      // get and patch take it too; the first store's record is untouched.
      expect((await second.get(first)).record?.uid).toBe(uidOf(copy));
      await second.patch(first.withState(SuiteCat({ lives: 8 })));
      expect(stateOf(await second.get(copy)).lives).toBe(8);
      expect(stateOf(await store.get(first))).toMatchObject({ name: 'Snowball', lives: 9 });
    },

  'a ref from another store inside a relationship list resolves by guid in this store': async ({
    store,
    newStore,
    enableGuids,
  }) => {
    const second = await newStore();
    enableGuids(store, second);
    const annInFirst = await store.get(await store.put(ref(SuiteHuman({ name: 'Ann' }))));
    // Not yet in the second store: the foreign ref's state makes a record there, with its guid.
    const cat = await second.put(ref(SuiteCat({ name: 'Snowball', carer: [annInFirst] })));
    const [carer] = stateOf(await second.get(cat)).carer ?? [];
    expect(carer?.record?.store.uid).toBe(second.uid);
    expect(carer?.guid).toBe(annInFirst.guid);
    // Now it is: a second link to the same entity finds that record.
    const other = await second.put(ref(SuiteCat({ name: 'Bella', carer: [annInFirst] })));
    expect(stateOf(await second.get(other)).carer?.[0]?.record?.uid).toBe(carer?.record?.uid);
    expect(await count(second, SuiteHuman)).toBe(1);
  },

  'without guids, a ref of another store is still WRONG_STORE, also inside a relationship list': async ({
    store,
    newStore,
  }) => {
    const second = await newStore();
    const first = await store.get(await store.put(ref(SuiteHuman({ name: 'Ann' }))));
    await expectError(second.put(first), 'WRONG_STORE', uidOf(first));
    await expectError(second.put(ref(SuiteCat({ carer: [first] }))), 'WRONG_STORE', uidOf(first));
    expect(await count(second, SuiteHuman)).toBe(0);
  },

  'a ref whose record has no guid yet gives it the ref’s guid, unless that guid names another record (GUID_CONFLICT)':
    async ({ store, enableGuids }) => {
      const plain = await store.put(ref(SuiteCat({ name: 'Snowball' })));
      enableGuids(store);
      const guid = randomUUID();
      const linked = await store.put(rawRef({ state_model_name: 'SuiteCat', record: plain.record, guid }));
      expect(linked.guid).toBe(guid);
      expect((await store.get(byGuid('SuiteCat', guid))).record?.uid).toBe(uidOf(plain));
      const other = await store.put(ref(SuiteCat({ name: 'Bella' })));
      const stolen = rawRef({ state_model_name: 'SuiteCat', record: other.record, guid });
      await expectError(store.patch(stolen), 'GUID_CONFLICT', guid);
      expect((await store.get(other)).guid).toBe(other.guid);
      expect((await store.get(byGuid('SuiteCat', guid))).record?.uid).toBe(uidOf(plain));
    },
} satisfies Record<string, SuiteTest>;
