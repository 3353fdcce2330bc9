import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ref } from '@constelite/core';
import { expectError } from '@constelite/store-test-suite';
import { afterAll, describe, expect, it } from 'vitest';
import { Cat } from './models.js';
import { createStoreFromEnv, MEMORY_STORE_UID, openStoreFromEnv } from './store.js';

const dir = mkdtempSync(join(tmpdir(), 'constelite-demo-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CONSTELITE_STORE chooses the demo store', () => {
  it('defaults to the memory store with the seed uid and name', () => {
    const store = createStoreFromEnv({});
    expect(store.constructor.name).toBe('MemoryStore');
    expect(store.info).toEqual({ uid: MEMORY_STORE_UID, name: 'Memory store' });
  });

  it('sqlite keeps records in the file CONSTELITE_SQLITE_PATH names, across reopening', async () => {
    const env = { CONSTELITE_STORE: 'sqlite', CONSTELITE_SQLITE_PATH: join(dir, 'demo.db') };
    const first = await openStoreFromEnv(env);
    const saved = await first.put(ref(Cat({ name: 'Snowball' })));
    await first.close();
    const second = await openStoreFromEnv(env);
    expect((await second.get(saved)).state?.name).toBe('Snowball');
    expect(second.uid).toBe(MEMORY_STORE_UID);
    await second.close();
  });

  it('an unknown value is a VALIDATION_FAILED error listing the known stores', () => {
    expect(() => createStoreFromEnv({ CONSTELITE_STORE: 'redis' })).toThrow(
      /'redis'.*memory, sqlite, postgres/,
    );
  });

  it('postgres without CONSTELITE_POSTGRES_URL is a VALIDATION_FAILED error saying what to set', () => {
    expect(() => createStoreFromEnv({ CONSTELITE_STORE: 'postgres' })).toThrow(/CONSTELITE_POSTGRES_URL/);
  });

  it('an unreachable PostgreSQL server stops start-up with STORE_FAULT naming the server', async () => {
    await expectError(
      openStoreFromEnv({
        CONSTELITE_STORE: 'postgres',
        CONSTELITE_POSTGRES_URL: 'postgres://demo@127.0.0.1:1/demo',
      }),
      'STORE_FAULT',
      '127.0.0.1:1',
    );
  });
});
