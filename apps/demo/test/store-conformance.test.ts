import { runStoreTestSuite } from '@constelite/store-test-suite';
import { RemoteStore } from './remote-store.js';

runStoreTestSuite({
  name: 'MemoryStore through the HTTP client and server',
  createStore: () => RemoteStore.create(),
  createStoreWithMethods: (methods) => RemoteStore.create(methods),
  destroyStore: (store) => store.close(),
  skip: {
    // The wire protocol has no bulk get, so RemoteStore.bulkGet is one get per ref and a store
    // that allows get but not bulkGet cannot refuse it over HTTP. The other methods' refusals
    // are checked over HTTP by the suite's METHOD_NOT_ALLOWED test.
    'bulkGet on a store that does not allow it is a METHOD_NOT_ALLOWED error naming bulkGet, even when get is allowed':
      'no bulkGet endpoint in the wire protocol (docs/concepts.md, "The wire protocol")',
  },
});
