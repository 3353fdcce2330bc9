import { randomUUID } from 'node:crypto';
import { Store } from '@constelite/store';
import { asMinimalDriver, queryTests } from '@constelite/store-test-suite';
import { inject } from 'vitest';
import { PostgresDriver } from '../src/index.js';
import { freshSchema } from './helpers.js';

const url = inject('pgUrl');
const drivers = new WeakMap<Store, PostgresDriver>();

// The query group once more, without the SQL translation: `Store` evaluates every query over
// the required primitives, and must answer as the SQL does.
queryTests({
  name: 'PostgresStore without query pushdown',
  createStore: () => {
    const driver = new PostgresDriver({ url, schema: freshSchema(), maxConnections: 4 });
    const store = new Store({ uid: randomUUID(), driver: asMinimalDriver(driver) });
    drivers.set(store, driver);
    return store;
  },
  destroyStore: async (store) => {
    await drivers.get(store)?.dropSchema();
    await store.close();
  },
});
