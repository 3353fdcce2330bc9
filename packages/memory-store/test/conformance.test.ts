import { randomUUID } from 'node:crypto';
import { runStoreTestSuite } from '@constelite/store-test-suite';
import { MemoryStore } from '../src/index.js';

runStoreTestSuite({
  name: 'MemoryStore',
  createStore: () => new MemoryStore({ uid: randomUUID() }),
  createStoreWithMethods: (allowedMethods) => new MemoryStore({ uid: randomUUID(), allowedMethods }),
  destroyStore: (store) => store.close(),
});
