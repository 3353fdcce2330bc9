export {
  SQLITE_SCHEMA_VERSION,
  SqliteDriver,
  type SqliteDriverOptions,
  type SqliteSynchronous,
} from './driver.js';
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
