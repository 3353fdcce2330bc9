import { Store, type StoreOptions } from '@constelite/store';
import { MemoryDriver } from './driver.js';

/** Options of `MemoryStore`: those of every store, without a driver. */
export type MemoryStoreOptions = Omit<StoreOptions, 'driver'>;

/**
 * A store that keeps its records in memory: states are copied in and out, writes are atomic
 * and serialised, queries and guids are supported. Its data lives as long as the process.
 */
export class MemoryStore extends Store {
  constructor(options: MemoryStoreOptions = {}) {
    super({ name: 'Memory store', ...options, driver: new MemoryDriver() });
  }
}
