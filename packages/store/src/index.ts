export {
  type IncomingLink,
  type JsonValue,
  type Link,
  type RecordKey,
  STORAGE_CONTRACT_VERSION,
  type StorageCapabilities,
  type StorageDriver,
  type StorageTransaction,
  type StoredRecord,
  type TransactionMode,
  type WhereClause,
} from './driver.js';
export { type GuidMap, MemoryGuidMap } from './guid.js';
export { ALL_STORE_METHODS, type QueryOptions, Store, type StoreMethod, type StoreOptions } from './store.js';
