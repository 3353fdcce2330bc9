import { isConsteliteError, type Ref, ref, stateModel } from '@constelite/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { STORAGE_CONTRACT_VERSION, type StorageDriver, Store } from './index.js';
import { testDriver } from './test-driver.js';

const Pet = stateModel('StoreCallsPet', { name: z.string() });

/** The call's outcome: it must return a promise (never throw), which settles to this. */
async function settle(call: () => Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    throw new Error(`the call threw instead of rejecting: ${String(error)}`);
  }
  expect(promise).toBeInstanceOf(Promise);
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('put, patch and get', () => {
  it('reject, never throw, a method the store does not offer', async () => {
    const store = new Store({
      driver: testDriver({ contractVersion: STORAGE_CONTRACT_VERSION }),
      allowedMethods: [],
    });
    const pet = ref(Pet({ name: 'Rex' }));
    for (const call of [() => store.put(pet), () => store.patch(pet), () => store.get(pet)]) {
      const { error } = await settle(call);
      expect(isConsteliteError(error, 'METHOD_NOT_ALLOWED')).toBe(true);
    }
  });

  it('reject, never throw, a bad ref or bad options', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: STORAGE_CONTRACT_VERSION }) });
    const notARef = 42 as unknown as Ref;
    for (const call of [
      () => store.put(notARef),
      () => store.patch(ref(Pet({ name: 'Rex' }))),
      () => store.get(notARef),
      () => store.get(ref(Pet, { uid: crypto.randomUUID(), store: store.info }), { from: Number.NaN }),
    ]) {
      const { error } = await settle(call);
      expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    }
  });

  it('turn a driver that throws at the start of a transaction into a STORE_FAULT rejection', async () => {
    const driver: StorageDriver = {
      contractVersion: STORAGE_CONTRACT_VERSION,
      transaction: () => {
        throw new Error('no connection');
      },
    };
    const store = new Store({ driver });
    const { error } = await settle(() => store.put(ref(Pet({ name: 'Rex' }))));
    expect(isConsteliteError(error, 'STORE_FAULT')).toBe(true);
  });

  it('validate a state changed after its parse again on the way in', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: STORAGE_CONTRACT_VERSION }) });
    const state = Pet({ name: 'Rex' });
    (state as Record<string, unknown>).name = 7;
    const { error } = await settle(() => store.put(ref(state)));
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    const saved = await store.put(ref(Pet({ name: 'Rex' })));
    expect((await store.get(saved)).state).toEqual({ model_name: 'StoreCallsPet', name: 'Rex' });
  });
});
