export { POSTGRES_SCHEMA_VERSION, PostgresDriver, type PostgresDriverOptions } from './driver.js';
export { PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
