import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StoreMethod } from '@constelite/store';
import { runStoreTestSuite } from '@constelite/store-test-suite';
import { afterAll } from 'vitest';
import { SqliteStore } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Each store is a new, real database file (WAL, synchronous=FULL), as in production.
const create = (allowedMethods?: readonly StoreMethod[]) =>
  new SqliteStore({ path: join(dir, `${randomUUID()}.db`), ...(allowedMethods ? { allowedMethods } : {}) });

runStoreTestSuite({
  name: 'SqliteStore',
  createStore: () => create(),
  createStoreWithMethods: (methods) => create(methods),
  // The persistence group: the same file, opened again by a new store with the same uid.
  reopenStore: async (store) => {
    await store.close();
    return new SqliteStore({ path: store.sqlite.path, uid: store.uid });
  },
  destroyStore: async (store) => {
    await store.close();
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${store.sqlite.path}${suffix}`, { force: true });
  },
});
