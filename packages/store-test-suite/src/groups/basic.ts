import { type AnyState, ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, missingRef, rawRef, stateOf, uidOf } from '../helpers.js';
import { SuiteCat, SuiteCollar, SuiteHuman, SuiteKitten, SuiteVisit } from '../models.js';
import type { SuiteTest } from '../types.js';

/** put/get/patch/delete/bulkGet on single records, static fields only. */
export const basicCases = {
  'a z.date() value is given back as the same Date by get, after put and after patch, nested ones too':
    async ({ store }) => {
      const at = new Date('2026-12-01T10:00:00.000Z');
      const later = new Date('2026-12-02T08:30:00.000Z');
      const saved = await store.put(ref(SuiteVisit({ at, history: [{ on: at, note: 'first' }] })));
      const got = stateOf(await store.get(saved)) as { at: unknown; history: { on: unknown }[] };
      expect(got.at).toBeInstanceOf(Date);
      expect(got.at).toEqual(at);
      expect(got.history[0]?.on).toEqual(at);
      await store.patch(saved.withState(SuiteVisit({ at: later })));
      expect((stateOf(await store.get(saved)) as { at: unknown }).at).toEqual(later);
    },

  'a ref whose guid is not a version-4 UUID is a VALIDATION_FAILED error and stores nothing': async ({
    store,
  }) => {
    await expectError(store.put(ref(SuiteCat({ name: 'Tom' }), { guid: 'q' })), 'VALIDATION_FAILED');
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'put(ref without record) creates a record and returns a ref with the record and no state': async ({
    store,
  }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9 })));
    expect(saved.model_name).toBe('Ref');
    expect(saved.state).toBeNull();
    expect(saved.state_model_name).toBe('SuiteCat');
    expect(saved.record?.store.uid).toBe(store.uid);
    expect(saved.record?.store.name).toBe(store.name);
    expect(saved.record?.uid).toBeTypeOf('string');
    expect(saved.record?.url ?? null).not.toBe('');
    expect(await count(store, SuiteCat)).toBe(1);
  },

  'put(ref without record) creates a new record every time': async ({ store }) => {
    const cat = ref(SuiteCat({ name: 'Snowball' }));
    const first = await store.put(cat);
    const second = await store.put(cat);
    expect(uidOf(first)).not.toBe(uidOf(second));
    expect(await count(store, SuiteCat)).toBe(2);
  },

  'get(ref) returns the record and its full current state': async ({ store }) => {
    const saved = await store.put(
      ref(
        SuiteCat({
          name: 'Snowball',
          lives: 9,
          tags: ['white', 'fluffy'],
          info: { colour: 'white', indoor: true },
        }),
      ),
    );
    const got = await store.get(saved);
    expect(got.model_name).toBe('Ref');
    expect(got.record?.uid).toBe(uidOf(saved));
    expect(got.record?.store.uid).toBe(store.uid);
    expect(got.state_model_name).toBe('SuiteCat');
    expect(stateOf(got)).toMatchObject({
      model_name: 'SuiteCat',
      name: 'Snowball',
      lives: 9,
      tags: ['white', 'fluffy'],
      info: { colour: 'white', indoor: true },
    });
  },

  'get(ref) of a missing record is a RECORD_NOT_FOUND error naming the uid': async ({ store }) => {
    const missing = missingRef(store, SuiteCat);
    await expectError(store.get(missing), 'RECORD_NOT_FOUND', uidOf(missing));
  },

  'put(ref with record) overwrites the given fields and keeps the absent ones': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, tags: ['white'] })));
    const again = await store.put(saved.withState(SuiteCat({ name: 'Snowball II' })));
    expect(uidOf(again)).toBe(uidOf(saved));
    expect(again.state).toBeNull();
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball II', lives: 9, tags: ['white'] });
    expect(await count(store, SuiteCat)).toBe(1);
  },

  'null in a state means "not given" and never clears a stored value': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, tags: ['white'] })));
    await store.put(
      rawRef({
        state_model_name: 'SuiteCat',
        record: saved.record,
        state: { model_name: 'SuiteCat', name: null, lives: 8, tags: null, carer: null, weight: null },
      }),
    );
    await store.patch(
      rawRef({
        state_model_name: 'SuiteCat',
        record: saved.record,
        state: { model_name: 'SuiteCat', name: null, tags: ['black'], lives: null },
      }),
    );
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball', lives: 8, tags: ['black'] });
  },

  'put(ref with a missing record) is a RECORD_NOT_FOUND error, never an upsert': async ({ store }) => {
    const missing = missingRef(store, SuiteCat).withState(SuiteCat({ name: 'Ghost' }));
    await expectError(store.put(missing), 'RECORD_NOT_FOUND', uidOf(missing));
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'put(ref with record and no state) checks that the record exists and returns it': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const again = await store.put(saved.strip());
    expect(uidOf(again)).toBe(uidOf(saved));
    expect(again.state).toBeNull();
    const missing = missingRef(store, SuiteCat);
    await expectError(store.put(missing), 'RECORD_NOT_FOUND', uidOf(missing));
    expect(await count(store, SuiteCat)).toBe(1);
  },

  'patch(ref with record and no state) checks that the record exists and returns it': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const again = await store.patch(saved.strip());
    expect(uidOf(again)).toBe(uidOf(saved));
    expect(again.state).toBeNull();
    const missing = missingRef(store, SuiteCat);
    await expectError(store.patch(missing), 'RECORD_NOT_FOUND', uidOf(missing));
  },

  'patch(ref) overwrites the given static fields and keeps the others': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, tags: ['white'] })));
    const patched = await store.patch(saved.withState(SuiteCat({ lives: 8, tags: ['black'] })));
    expect(uidOf(patched)).toBe(uidOf(saved));
    expect(patched.state).toBeNull();
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball', lives: 8, tags: ['black'] });
  },

  'patch(ref with a missing record) is a RECORD_NOT_FOUND error and creates nothing': async ({ store }) => {
    const missing = missingRef(store, SuiteCat).withState(SuiteCat({ name: 'Ghost' }));
    await expectError(store.patch(missing), 'RECORD_NOT_FOUND', uidOf(missing));
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'static values round-trip: lists, nested objects and nested state models': async ({ store }) => {
    const saved = await store.put(
      ref(
        SuiteCat({
          tags: ['a', 'b', 'a'],
          info: { colour: 'ginger' },
          collar: SuiteCollar({ colour: 'red', size: 2.5 }),
        }),
      ),
    );
    expect(stateOf(await store.get(saved))).toMatchObject({
      tags: ['a', 'b', 'a'],
      info: { colour: 'ginger' },
      collar: { model_name: 'SuiteCollar', colour: 'red', size: 2.5 },
    });
  },

  'a nested state model used as a static value is stored inside its owner, not as a record': async ({
    store,
  }) => {
    await store.put(ref(SuiteCat({ collar: SuiteCollar({ colour: 'red', size: 1 }) })));
    expect(await count(store, SuiteCollar)).toBe(0);
  },

  'a sub-model state is stored and returned as its own model': async ({ store }) => {
    const saved = await store.put(ref(SuiteKitten({ name: 'Tom', age: 1 })));
    expect(saved.state_model_name).toBe('SuiteKitten');
    const got = await store.get(saved);
    expect(got.state_model_name).toBe('SuiteKitten');
    expect(stateOf(got)).toMatchObject({ model_name: 'SuiteKitten', name: 'Tom', age: 1 });
  },

  'get(ref to a parent model) of a sub-model record returns the sub-model state': async ({ store }) => {
    const saved = await store.put(ref(SuiteKitten({ name: 'Tom', age: 1 })));
    const asCat = rawRef({ state_model_name: 'SuiteCat', record: saved.record });
    const got = await store.get(asCat);
    expect(stateOf(got)).toMatchObject({ model_name: 'SuiteKitten', age: 1 });
  },

  'delete(ref) removes the record: get afterwards is a RECORD_NOT_FOUND error': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const other = await store.put(ref(SuiteCat({ name: 'Bella' })));
    await store.delete(saved);
    await expectError(store.get(saved), 'RECORD_NOT_FOUND', uidOf(saved));
    expect(stateOf(await store.get(other)).name).toBe('Bella');
    expect(await count(store, SuiteCat)).toBe(1);
  },

  'delete(ref to a missing record) is a RECORD_NOT_FOUND error': async ({ store }) => {
    const missing = missingRef(store, SuiteCat);
    await expectError(store.delete(missing), 'RECORD_NOT_FOUND', uidOf(missing));
  },

  'bulkGet(refs) returns the full state of each record in the order asked': async ({ store }) => {
    const a = await store.put(ref(SuiteCat({ name: 'A' })));
    const b = await store.put(ref(SuiteHuman({ name: 'B' })));
    const c = await store.put(ref(SuiteKitten({ name: 'C', age: 2 })));
    const got = await store.bulkGet<AnyState>([c, a, b, a]);
    expect(got.map((item) => item.record?.uid)).toEqual([c, a, b, a].map(uidOf));
    expect(got.map((item) => item.state?.name)).toEqual(['C', 'A', 'B', 'A']);
    expect(got.map((item) => item.state_model_name)).toEqual([
      'SuiteKitten',
      'SuiteCat',
      'SuiteHuman',
      'SuiteCat',
    ]);
    expect(await store.bulkGet([])).toEqual([]);
  },

  'bulkGet(refs) with a missing record is a RECORD_NOT_FOUND error': async ({ store }) => {
    const a = await store.put(ref(SuiteCat({ name: 'A' })));
    const missing = missingRef(store, SuiteCat);
    await expectError(store.bulkGet([a, missing]), 'RECORD_NOT_FOUND', uidOf(missing));
  },
} satisfies Record<string, SuiteTest>;
