export { MemoryDriver } from './driver.js';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.js';
