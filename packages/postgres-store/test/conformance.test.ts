import type { StoreMethod } from '@constelite/store';
import { runStoreTestSuite } from '@constelite/store-test-suite';
import { inject } from 'vitest';
import { destroyStore, freshStore } from './helpers.js';

const url = inject('pgUrl');

// Each store gets its own schema on the throwaway cluster started by global-setup.ts.
const create = (allowedMethods?: readonly StoreMethod[]) =>
  freshStore(url, allowedMethods ? { allowedMethods } : {});

runStoreTestSuite({
  name: 'PostgresStore',
  createStore: () => create(),
  createStoreWithMethods: (methods) => create(methods),
  destroyStore,
});
