import { randomUUID } from 'node:crypto';
import { Store } from '@constelite/store';
import { asMinimalDriver, queryTests } from '@constelite/store-test-suite';
import { SqliteDriver } from '../src/index.js';

// The query group once more, without the SQL translation: `Store` evaluates every query over
// the required primitives, and must answer as the SQL does.
queryTests({
  name: 'SqliteStore without query pushdown',
  createStore: () =>
    new Store({ uid: randomUUID(), driver: asMinimalDriver(new SqliteDriver({ path: ':memory:' })) }),
  destroyStore: (store) => store.close(),
});
