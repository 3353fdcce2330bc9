import { randomUUID } from 'node:crypto';
import { Store } from '@constelite/store';
import { asMinimalDriver, dynamicTests, guidTests, queryTests } from '@constelite/store-test-suite';
import { MemoryDriver } from '../src/index.js';

// The query, dynamic-field and guid groups once more on the driver as a contract-version-1
// driver presents it: no per-field indexes, no series or guids of its own. `Store` evaluates
// every query over the required primitives, keeps each series in the record's fields and its
// guids in an in-memory map, and must answer exactly as with the driver's own.
const minimal = {
  createStore: () => new Store({ uid: randomUUID(), driver: asMinimalDriver(new MemoryDriver()) }),
  destroyStore: (store: Store) => store.close(),
};
queryTests({ name: 'MemoryStore without query pushdown', ...minimal });
dynamicTests({ name: 'MemoryStore without series of its own', ...minimal });
guidTests({ name: 'MemoryStore without guids of its own', ...minimal });
