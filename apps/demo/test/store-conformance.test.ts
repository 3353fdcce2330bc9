import { randomUUID } from 'node:crypto';
import { isConsteliteError, Ref, ref } from '@constelite/core';
import { runStoreTestSuite, SuiteCat } from '@constelite/store-test-suite';
import { describe, expect, it } from 'vitest';
import { RemoteStore } from './remote-store.js';

runStoreTestSuite({
  name: 'MemoryStore through the HTTP client and server',
  createStore: () => RemoteStore.create(),
  createStoreWithMethods: (methods) => RemoteStore.create(methods),
  destroyStore: (store) => store.close(),
  skip: {
    // The wire protocol has no bulk get, so RemoteStore.bulkGet is one get per ref and a store
    // without `bulkGet` cannot refuse it over HTTP; the other methods are checked below.
    'a method the store does not allow is a METHOD_NOT_ALLOWED error naming the method':
      'no bulkGet endpoint in the wire protocol (SPEC §5)',
  },
});

describe('MemoryStore through the HTTP client and server: allowed methods over HTTP', () => {
  it('put, get, patch, delete and query of a store that allows none are METHOD_NOT_ALLOWED naming the method', async () => {
    const store = RemoteStore.create([]);
    const missing = new Ref({
      record: { store: { uid: store.uid, name: store.name }, uid: randomUUID(), url: null },
      state_model_name: SuiteCat.modelName,
    });
    const calls: [string, Promise<unknown>][] = [
      ['put', store.put(ref(SuiteCat({ name: 'a' })))],
      ['get', store.get(missing)],
      ['patch', store.patch(missing.withState(SuiteCat({ name: 'a' })))],
      ['delete', store.delete(missing)],
      ['query', store.query({ model: SuiteCat })],
    ];
    for (const [method, call] of calls) {
      const error = await call.then(
        () => null,
        (e: unknown) => e,
      );
      expect(isConsteliteError(error, 'METHOD_NOT_ALLOWED'), `${method}: ${String(error)}`).toBe(true);
      expect((error as Error).message).toContain(method);
    }
  });
});
