import { randomUUID } from 'node:crypto';
import { guidTests, runStoreTestSuite } from '@constelite/store-test-suite';
import { MemoryStore } from '../src/index.js';

runStoreTestSuite({
  name: 'MemoryStore',
  createStore: () => new MemoryStore({ uid: randomUUID() }),
  createStoreWithMethods: (allowedMethods) => new MemoryStore({ uid: randomUUID(), allowedMethods }),
  destroyStore: (store) => store.close(),
});

// The guid rules once more with guids in an external map (`setGuidMap`), linked after each commit.
guidTests({
  name: 'MemoryStore with an external guid map',
  createStore: () => new MemoryStore({ uid: randomUUID() }),
  destroyStore: (store) => store.close(),
  externalGuidMap: true,
});
