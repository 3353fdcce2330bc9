import { ValidationError } from '@constelite/core';
import type { StoreContext } from './context.js';
import {
  type RecordKey,
  STORAGE_CONTRACT_VERSION,
  type StorageDriver,
  type StorageTransaction,
  type StoredRecord,
  SUPPORTED_CONTRACT_VERSIONS,
} from './driver.js';
import type { CountPlan, QueryPlan } from './query/plan.js';

// How the storage contract evolves (docs/store-authors.md, "How the contract evolves"): a new
// version may only add optional primitives. Each has an entry below saying the version that
// introduced it, and a fallback built from older primitives, so `Store` runs on a driver of
// any supported version. A primitive is used only when the driver declares that version or a
// later one and its transaction has it: a driver written for an older contract might have a
// method of the same name that means something else.

/** The names of the optional primitives of a transaction. */
export type OptionalPrimitive = {
  [K in keyof StorageTransaction]-?: undefined extends StorageTransaction[K] ? K : never;
}[keyof StorageTransaction];

/** The contract version that introduced each optional primitive (a new one does not compile without its entry). */
export const PRIMITIVE_SINCE: Readonly<Record<OptionalPrimitive, number>> = {
  readRecords: 2,
  queryNative: 2,
  countNative: 2,
  readGuids: 3,
  findGuid: 3,
  writeGuid: 3,
  readSeries: 3,
  appendPoints: 3,
  clearSeries: 3,
};

/**
 * True when `driver` keeps `what` itself, with the optional primitives of contract version 3:
 * it declares `capabilities[what]` and that version or a later one.
 */
export function keptByDriver(driver: StorageDriver, what: 'guids' | 'series'): boolean {
  const since = what === 'guids' ? PRIMITIVE_SINCE.writeGuid : PRIMITIVE_SINCE.readSeries;
  return driver.capabilities?.[what] === true && driver.contractVersion >= since;
}

/** Refuses a driver written for a contract version this store does not support. */
export function checkContractVersion(driver: StorageDriver, storeName: string): void {
  const version = driver.contractVersion;
  const { min, max } = SUPPORTED_CONTRACT_VERSIONS;
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new ValidationError(
      `Store ${storeName} uses storage contract ${version}; this @constelite/store implements ${STORAGE_CONTRACT_VERSION} and supports drivers of contract versions ${min} to ${max}`,
      { extra: { store: storeName, contract_version: version, supported: { min, max } } },
    );
  }
}

/** True when `tx` offers `primitive` and the driver's contract version includes it. */
function offers<K extends OptionalPrimitive>(
  ctx: StoreContext,
  tx: StorageTransaction,
  primitive: K,
): tx is StorageTransaction & Required<Pick<StorageTransaction, K>> {
  return ctx.driver.contractVersion >= PRIMITIVE_SINCE[primitive] && typeof tx[primitive] === 'function';
}

/** The records among `uids` that exist: one `readRecords` call, or `readRecord` per uid. */
export async function readRecords(
  ctx: StoreContext,
  tx: StorageTransaction,
  uids: readonly string[],
): Promise<Map<string, StoredRecord>> {
  if (offers(ctx, tx, 'readRecords')) return tx.readRecords(uids);
  const found = new Map<string, StoredRecord>();
  for (const uid of uids) {
    if (found.has(uid)) continue;
    const record = await tx.readRecord(uid);
    if (record) found.set(uid, record);
  }
  return found;
}

/** The driver's own answer to a query plan, or null when it has no `queryNative` or declines the plan. */
export async function queryNative(
  ctx: StoreContext,
  tx: StorageTransaction,
  plan: QueryPlan,
): Promise<RecordKey[] | null> {
  return offers(ctx, tx, 'queryNative') ? tx.queryNative(plan) : null;
}

/** The driver's own count of a plan, or null when it has no `countNative` or declines the plan. */
export async function countNative(
  ctx: StoreContext,
  tx: StorageTransaction,
  plan: CountPlan,
): Promise<number | null> {
  return offers(ctx, tx, 'countNative') ? tx.countNative(plan) : null;
}
