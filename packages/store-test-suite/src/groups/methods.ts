import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { expectError, missingRef } from '../helpers.js';
import { SuiteCat } from '../models.js';
import type { SuiteTest } from '../types.js';

/** A store declares the methods it allows; others fail with METHOD_NOT_ALLOWED. */
export const methodCases = {
  'a method the store does not allow is a METHOD_NOT_ALLOWED error naming the method': async ({
    storeWithMethods,
  }) => {
    const store = await storeWithMethods([]);
    const missing = missingRef(store, SuiteCat);
    await expectError(store.put(ref(SuiteCat({ name: 'a' }))), 'METHOD_NOT_ALLOWED', 'put');
    await expectError(store.get(missing), 'METHOD_NOT_ALLOWED', 'get');
    await expectError(store.patch(missing.withState(SuiteCat({ name: 'a' }))), 'METHOD_NOT_ALLOWED', 'patch');
    await expectError(store.delete(missing), 'METHOD_NOT_ALLOWED', 'delete');
    await expectError(store.query({ model: SuiteCat }), 'METHOD_NOT_ALLOWED', 'query');
  },

  'bulkGet on a store that does not allow it is a METHOD_NOT_ALLOWED error naming bulkGet, even when get is allowed':
    async ({ storeWithMethods }) => {
      const store = await storeWithMethods(['put', 'get', 'patch', 'delete', 'query']);
      const saved = await store.put(ref(SuiteCat({ name: 'a' })));
      await expectError(store.bulkGet([saved]), 'METHOD_NOT_ALLOWED', 'bulkGet');
      await expectError(store.bulkGet([missingRef(store, SuiteCat)]), 'METHOD_NOT_ALLOWED', 'bulkGet');
      expect((await store.get(saved)).state?.name).toBe('a');
    },

  'the allowed methods of a restricted store work': async ({ storeWithMethods }) => {
    const store = await storeWithMethods(['put', 'get', 'query']);
    const saved = await store.put(ref(SuiteCat({ name: 'a' })));
    expect((await store.get(saved)).state?.name).toBe('a');
    expect(await store.query({ model: SuiteCat })).toHaveLength(1);
    await expectError(store.delete(saved), 'METHOD_NOT_ALLOWED', 'delete');
    expect((await store.get(saved)).state?.name).toBe('a');
  },
} satisfies Record<string, SuiteTest>;
