import { ValidationError } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { PostgresStore } from '@constelite/postgres-store';
import { SqliteStore } from '@constelite/sqlite-store';
import type { Store } from '@constelite/store';

/** The uid of the seed's memory store. */
export const MEMORY_STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
/** The name of the seed's memory store. */
export const MEMORY_STORE_NAME = 'Memory store';

/** The store kinds `CONSTELITE_STORE` can name. */
export const STORE_KINDS = ['memory', 'sqlite', 'postgres'] as const;

/**
 * The demo's store, chosen by `CONSTELITE_STORE` (default `memory`): `sqlite` uses the file
 * `CONSTELITE_SQLITE_PATH` (default `constelite-demo.db`), `postgres` the server at
 * `CONSTELITE_POSTGRES_URL` (schema `CONSTELITE_POSTGRES_SCHEMA`, default `constelite`).
 * Whatever the kind, it keeps the seed's uid and name so that the walkthroughs run unchanged.
 */
export function createStoreFromEnv(env: Record<string, string | undefined> = process.env): Store {
  const kind = env.CONSTELITE_STORE?.trim() || 'memory';
  const seed = { uid: MEMORY_STORE_UID, name: MEMORY_STORE_NAME };
  switch (kind) {
    case 'memory':
      return new MemoryStore(seed);
    case 'sqlite':
      return new SqliteStore({ ...seed, path: env.CONSTELITE_SQLITE_PATH?.trim() || 'constelite-demo.db' });
    case 'postgres': {
      const url = env.CONSTELITE_POSTGRES_URL?.trim();
      if (!url) {
        throw new ValidationError(
          `CONSTELITE_STORE='postgres' needs CONSTELITE_POSTGRES_URL, e.g. postgres://user:password@localhost:5432/constelite`,
          { extra: { store: kind } },
        );
      }
      return new PostgresStore({ ...seed, url, schema: env.CONSTELITE_POSTGRES_SCHEMA?.trim() || undefined });
    }
    default:
      throw new ValidationError(
        `CONSTELITE_STORE='${kind}' is not a store the demo knows; use one of: ${STORE_KINDS.join(', ')}`,
        { extra: { store: kind } },
      );
  }
}

/**
 * `createStoreFromEnv`, connected: a PostgreSQL store connects and prepares its schema now, so
 * that an unreachable database stops the API at start-up with a `STORE_FAULT` naming the server.
 */
export async function openStoreFromEnv(
  env: Record<string, string | undefined> = process.env,
): Promise<Store> {
  const store = createStoreFromEnv(env);
  if (store instanceof PostgresStore) {
    try {
      await store.connect();
    } catch (error) {
      await store.close();
      throw error;
    }
  }
  return store;
}
