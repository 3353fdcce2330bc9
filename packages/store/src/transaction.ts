import { isConsteliteError } from '@constelite/core';
import type { StoreContext } from './context.js';
import type { StorageTransaction, TransactionMode } from './driver.js';
import { storeFault } from './errors.js';

/**
 * Runs `work` in one driver transaction. A Constelite error (the answer to a bad request)
 * passes through; anything else the driver throws becomes a `STORE_FAULT` naming the store.
 */
export async function runTransaction<T>(
  ctx: StoreContext,
  mode: TransactionMode,
  work: (tx: StorageTransaction) => Promise<T>,
): Promise<T> {
  try {
    return await ctx.driver.transaction(mode, work);
  } catch (error) {
    if (isConsteliteError(error)) throw error;
    throw storeFault(ctx, error);
  }
}
