import { Store, type StoreOptions } from '@constelite/store';
import { SqliteDriver, type SqliteDriverOptions } from './driver.js';

/** Options of `SqliteStore`: those of every store (without a driver) and those of the SQLite file. */
export type SqliteStoreOptions = Omit<StoreOptions, 'driver'> & SqliteDriverOptions;

/**
 * A store whose records live in one SQLite file (or `:memory:`). The tables are created, or
 * migrated, when the file is opened; the file uses write-ahead logging, and every put, patch
 * and delete is one SQLite transaction.
 *
 * ```ts
 * const store = new SqliteStore({ path: './cats.db', name: 'Cats' });
 * ```
 */
export class SqliteStore extends Store {
  declare protected readonly driver: SqliteDriver;

  constructor(options: SqliteStoreOptions) {
    const { path, synchronous, busyTimeoutMs, cacheSizeMiB, ...storeOptions } = options;
    super({
      name: 'SQLite store',
      ...storeOptions,
      driver: new SqliteDriver({ path, synchronous, busyTimeoutMs, cacheSizeMiB }),
    });
  }

  /** The SQLite driver under the store (its file path, schema version and connection). */
  get sqlite(): SqliteDriver {
    return this.driver;
  }
}
