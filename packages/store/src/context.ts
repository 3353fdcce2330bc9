import type { ModelRegistry } from '@constelite/core';
import type { StorageDriver } from './driver.js';
import type { GuidKeeping } from './guid-rules.js';

/**
 * What every concern of a store (checks, reads, writes, cascades, guids) works from: who the
 * store is, how it resolves models, the driver it runs on and where it keeps guids. One
 * `Store` owns one context and hands it to the functions of the other files of this package;
 * it is not exported, so nothing outside the package reaches past the public methods.
 */
export interface StoreContext {
  /** The store's uid, in lower case. */
  readonly uid: string;
  /** The store's name. */
  readonly name: string;
  /** How every message names the store: `'name' (uid)`. */
  readonly label: string;
  /** Resolves model names. */
  readonly registry: ModelRegistry;
  /** The storage primitives. */
  readonly driver: StorageDriver;
  /** True when the driver keeps dynamic fields as series of its own (`capabilities.series`). */
  readonly seriesInDriver: boolean;
  /** Where guids are kept (null: guids are off); `Store.enableGuids` and `setGuidMap` set it. */
  guids: GuidKeeping | null;
  /**
   * Rethrows what a transaction failed with as the store answers it (see `runTransaction`):
   * one function per store, not one per transaction.
   */
  readonly fail: (error: unknown) => never;
}
