import type { StoreMethod } from '@constelite/store';
import { runStoreTestSuite } from '@constelite/store-test-suite';
import { inject } from 'vitest';
import { PostgresStore } from '../src/index.js';
import { destroyStore, freshStore } from './helpers.js';

const url = inject('pgUrl');

// Each store gets its own schema on the throwaway cluster started by global-setup.ts.
const create = (allowedMethods?: readonly StoreMethod[]) =>
  freshStore(url, allowedMethods ? { allowedMethods } : {});

runStoreTestSuite({
  name: 'PostgresStore',
  createStore: () => create(),
  createStoreWithMethods: (methods) => create(methods),
  // The persistence group: the same schema, opened again by a new store with the same uid.
  reopenStore: async (store) => {
    await store.close();
    return new PostgresStore({ url, schema: store.postgres.schema, uid: store.uid, maxConnections: 4 });
  },
  destroyStore,
});
