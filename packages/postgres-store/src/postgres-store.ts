import { Store, type StoreOptions } from '@constelite/store';
import { PostgresDriver, type PostgresDriverOptions } from './driver.js';

/** Options of `PostgresStore`: those of every store (without a driver) and those of the database. */
export type PostgresStoreOptions = Omit<StoreOptions, 'driver'> & PostgresDriverOptions;

/**
 * A store whose records live in PostgreSQL. The tables are created, or migrated, in their
 * schema on first use; every put, patch and delete is one serializable transaction, run again
 * on a serialization conflict, so several API processes can share one database.
 *
 * ```ts
 * const store = new PostgresStore({ url: 'postgres://app@db:5432/app', name: 'Cats' });
 * ```
 */
export class PostgresStore extends Store {
  declare protected readonly driver: PostgresDriver;

  constructor(options: PostgresStoreOptions) {
    const {
      url,
      schema,
      maxConnections,
      maxAttempts,
      retryBudgetMs,
      connectTimeoutSeconds,
      ...storeOptions
    } = options;
    super({
      name: 'PostgreSQL store',
      ...storeOptions,
      driver: new PostgresDriver({
        url,
        schema,
        maxConnections,
        maxAttempts,
        retryBudgetMs,
        connectTimeoutSeconds,
      }),
    });
  }

  /** The PostgreSQL driver under the store (its schema, pool and retry count). */
  get postgres(): PostgresDriver {
    return this.driver;
  }

  /**
   * Connects and creates or migrates the schema now rather than on first use, so that an
   * unreachable database is reported at start-up. Rejects with a `STORE_FAULT` naming the server.
   */
  connect(): Promise<void> {
    return this.driver.ready();
  }
}
