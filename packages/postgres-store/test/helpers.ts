import { randomBytes } from 'node:crypto';
import { PostgresStore, type PostgresStoreOptions } from '../src/index.js';

/** A schema name no other test uses, so that every store starts empty. */
export function freshSchema(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

/** A store on its own fresh schema of the test cluster. */
export function freshStore(url: string, options: Partial<PostgresStoreOptions> = {}): PostgresStore {
  return new PostgresStore({ url, schema: freshSchema(), maxConnections: 4, ...options });
}

/** Closes the store after dropping its schema, so that the throwaway cluster stays small. */
export async function destroyStore(store: PostgresStore): Promise<void> {
  try {
    await store.postgres.dropSchema();
  } finally {
    await store.close();
  }
}
