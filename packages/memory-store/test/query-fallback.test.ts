import { randomUUID } from 'node:crypto';
import { Store } from '@constelite/store';
import { asMinimalDriver, queryTests } from '@constelite/store-test-suite';
import { MemoryDriver } from '../src/index.js';

// The query group once more, with the driver's per-field indexes out of the way: `Store`
// evaluates every query over the required primitives, and must answer as the indexes do.
queryTests({
  name: 'MemoryStore without query pushdown',
  createStore: () => new Store({ uid: randomUUID(), driver: asMinimalDriver(new MemoryDriver()) }),
  destroyStore: (store) => store.close(),
});
