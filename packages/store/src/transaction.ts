import { isConsteliteError } from '@constelite/core';
import type { StoreContext } from './context.js';
import type { StorageTransaction, TransactionMode } from './driver.js';
import { storeFault } from './errors.js';

/**
 * Runs `work` in one driver transaction. A Constelite error (the answer to a bad request)
 * passes through; anything else the driver throws becomes a `STORE_FAULT` naming the store.
 * `after` runs on the result once the transaction has ended (what it throws passes as it is).
 */
export function runTransaction<T>(
  ctx: StoreContext,
  mode: TransactionMode,
  work: (tx: StorageTransaction) => Promise<T>,
): Promise<T>;
export function runTransaction<T, U>(
  ctx: StoreContext,
  mode: TransactionMode,
  work: (tx: StorageTransaction) => Promise<T>,
  after: (result: T) => U | Promise<U>,
): Promise<U>;
export function runTransaction<T, U>(
  ctx: StoreContext,
  mode: TransactionMode,
  work: (tx: StorageTransaction) => Promise<T>,
  after?: (result: T) => U | Promise<U>,
): Promise<T | U> {
  // A promise chain rather than an async function, with `after` in the same step: a small
  // put or get is a few microseconds of work, and each promise was a good part of it.
  let running: Promise<T>;
  try {
    running = Promise.resolve(ctx.driver.transaction(mode, work));
  } catch (error) {
    return Promise.reject(asStoreError(ctx, error));
  }
  return running.then(after, ctx.fail);
}

/** What `work` failed with as a store answers it: a Constelite error as it is, anything else a `STORE_FAULT`. */
export function asStoreError(ctx: StoreContext, error: unknown): unknown {
  return isConsteliteError(error) ? error : storeFault(ctx, error);
}
