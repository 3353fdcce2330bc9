import { describe, expect, it } from 'vitest';
import { createStoreFromEnv, MEMORY_STORE_NAME, MEMORY_STORE_UID } from './store.js';

describe('createStoreFromEnv', () => {
  it('makes the seed memory store when CONSTELITE_STORE is unset or memory', () => {
    for (const env of [{}, { CONSTELITE_STORE: 'memory' }]) {
      const store = createStoreFromEnv(env);
      expect(store.info).toEqual({ uid: MEMORY_STORE_UID, name: MEMORY_STORE_NAME });
    }
  });

  it('an unknown CONSTELITE_STORE is a VALIDATION_FAILED error naming the value and the choices', () => {
    expect(() => createStoreFromEnv({ CONSTELITE_STORE: 'mongo' })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        message: expect.stringMatching(/'mongo'.*memory/),
      }),
    );
  });
});
