import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, foreignRef, missingRef, rawRef, stateOf } from '../helpers.js';
import { SuiteBook, SuiteCat, SuiteGang, SuiteHuman, SuitePage } from '../models.js';
import type { SuiteTest } from '../types.js';

/** Bad input fails with a typed error and stores nothing. */
export const badInputCases = {
  'put of a state that violates its schema is a VALIDATION_FAILED error naming the field, and stores nothing':
    async ({ store }) => {
      const bad = rawRef({
        state_model_name: 'SuiteCat',
        state: { model_name: 'SuiteCat', name: 'a', lives: 'nine' },
      });
      await expectError(store.put(bad), 'VALIDATION_FAILED', 'lives');
      expect(await count(store, SuiteCat)).toBe(0);
    },

  'put(record) of a state that violates its schema is a VALIDATION_FAILED error and changes nothing': async ({
    store,
  }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9 })));
    const bad = rawRef({
      state_model_name: 'SuiteCat',
      record: saved.record,
      state: { model_name: 'SuiteCat', name: 'Changed', lives: 1.5 },
    });
    await expectError(store.put(bad), 'VALIDATION_FAILED', 'lives');
    await expectError(store.patch(bad), 'VALIDATION_FAILED', 'lives');
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball', lives: 9 });
  },

  'a state with a field its model does not have is a VALIDATION_FAILED error': async ({ store }) => {
    const bad = rawRef({ state_model_name: 'SuiteCat', state: { model_name: 'SuiteCat', colour: 'white' } });
    await expectError(store.put(bad), 'VALIDATION_FAILED');
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'a dynamic point that violates its schema is a VALIDATION_FAILED error': async ({ store }) => {
    const bad = rawRef({
      state_model_name: 'SuiteCat',
      state: { model_name: 'SuiteCat', weight: { points: [{ timestamp: 'now', value: 4 }] } },
    });
    await expectError(store.put(bad), 'VALIDATION_FAILED', 'weight');
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'put of a state with an unknown model_name is an UNKNOWN_MODEL error naming the model': async ({
    store,
  }) => {
    const bad = rawRef({
      state_model_name: 'SuiteNoSuchModel',
      state: { model_name: 'SuiteNoSuchModel', name: 'a' },
    });
    await expectError(store.put(bad), 'UNKNOWN_MODEL', 'SuiteNoSuchModel');
  },

  'a state-only ref of an unknown model inside a relationship is an error and stores nothing': async ({
    store,
  }) => {
    const bad = rawRef({
      state_model_name: 'SuiteGang',
      state: {
        model_name: 'SuiteGang',
        members: [rawRef({ state_model_name: 'SuiteNoSuchCat', state: { model_name: 'SuiteNoSuchCat' } })],
      },
    });
    let code: unknown;
    await store.put(bad).catch((error: { code?: unknown }) => {
      code = error.code;
    });
    expect(['UNKNOWN_MODEL', 'VALIDATION_FAILED']).toContain(code);
    expect(await count(store, SuiteGang)).toBe(0);
  },

  'a state-only ref inside a relationship is validated by its model and nothing is stored': async ({
    store,
  }) => {
    const bad = ref(
      SuiteBook({
        title: 'Cats',
        pages: [
          ref(SuitePage({ index: 1 })),
          rawRef({ state_model_name: 'SuitePage', state: { model_name: 'SuitePage', index: 'two' } }),
        ],
      }),
    );
    await expectError(store.put(bad), 'VALIDATION_FAILED', 'index');
    expect(await count(store, SuiteBook)).toBe(0);
    expect(await count(store, SuitePage)).toBe(0);
  },

  "a state that is not of the ref's model is a VALIDATION_FAILED error": async ({ store }) => {
    const bad = rawRef({ state_model_name: 'SuiteHuman', state: { model_name: 'SuiteCat', name: 'a' } });
    await expectError(store.put(bad), 'VALIDATION_FAILED');
    expect(await count(store, SuiteCat)).toBe(0);
    expect(await count(store, SuiteHuman)).toBe(0);
  },

  'put(record) of a state of another model than the record is a VALIDATION_FAILED error': async ({
    store,
  }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const bad = rawRef({
      state_model_name: 'SuiteHuman',
      record: saved.record,
      state: { model_name: 'SuiteHuman', name: 'Ann' },
    });
    await expectError(store.put(bad), 'VALIDATION_FAILED', 'SuiteCat');
    expect(stateOf(await store.get(saved)).name).toBe('Snowball');
  },

  'patch of a ref without a record is a VALIDATION_FAILED error and stores nothing': async ({ store }) => {
    await expectError(store.patch(ref(SuiteCat({ name: 'a' }))), 'VALIDATION_FAILED', 'SuiteCat');
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'put of a ref with neither record nor state is a VALIDATION_FAILED error': async ({ store }) => {
    await expectError(store.put(rawRef({ state_model_name: 'SuiteCat' })), 'VALIDATION_FAILED', 'SuiteCat');
  },

  'get and delete of a ref without a record are VALIDATION_FAILED errors': async ({ store }) => {
    await expectError(store.get(ref(SuiteCat({ name: 'a' }))), 'VALIDATION_FAILED');
    await expectError(store.delete(ref(SuiteCat({ name: 'a' }))), 'VALIDATION_FAILED');
  },

  'a ref from another store is a WRONG_STORE error for put, get, patch and delete': async ({ store }) => {
    const foreign = foreignRef(SuiteCat);
    const foreignStore = foreign.record?.store.uid as string;
    await expectError(store.put(foreign.withState(SuiteCat({ name: 'a' }))), 'WRONG_STORE', foreignStore);
    await expectError(store.get(foreign), 'WRONG_STORE', foreignStore);
    await expectError(store.patch(foreign.withState(SuiteCat({ name: 'a' }))), 'WRONG_STORE', foreignStore);
    await expectError(store.delete(foreign), 'WRONG_STORE', foreignStore);
    await expectError(store.bulkGet([foreign]), 'WRONG_STORE', foreignStore);
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'a ref from another store inside a relationship is a WRONG_STORE error and stores nothing': async ({
    store,
  }) => {
    const foreign = foreignRef(SuiteCat);
    const foreignStore = foreign.record?.store.uid as string;
    await expectError(
      store.put(ref(SuiteGang({ name: 'Alley', members: [ref(SuiteCat({ name: 'a' })), foreign] }))),
      'WRONG_STORE',
      foreignStore,
    );
    expect(await count(store, SuiteGang)).toBe(0);
    expect(await count(store, SuiteCat)).toBe(0);
    const gang = await store.put(ref(SuiteGang({ name: 'Alley' })));
    await expectError(
      store.patch(gang.withState(SuiteGang({ members: [foreign] }))),
      'WRONG_STORE',
      foreignStore,
    );
    const missing = missingRef(store, SuiteCat);
    await expectError(store.patch(gang.withState(SuiteGang({ members: [missing] }))), 'RECORD_NOT_FOUND');
  },
} satisfies Record<string, SuiteTest>;
