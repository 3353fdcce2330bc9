/**
 * The storage contract: the primitives a store package implements. Everything else (put/patch
 * semantics, relationships, cascades, backrefs, validation, guids) is written once in `Store`
 * on top of these primitives. See docs/store-authors.md for the prose rules.
 */

/** A JSON value as stored. */
import type { JsonValue } from '@constelite/core/query';
import type { CountPlan, QueryPlan } from './query/plan.js';

/** A JSON value as stored (one definition, in core). */
export type { JsonValue };

/**
 * The version of this contract. A driver declares the version it was written against.
 * Version 2 added the optional `readRecords`, `queryNative` and `countNative`; version 3 the
 * optional guid primitives `readGuids`, `findGuid` and `writeGuid` (with `capabilities.guids`)
 * and the series primitives `readSeries`, `appendPoints` and `clearSeries` (with
 * `capabilities.series`).
 * How the contract evolves: docs/store-authors.md, "How the contract evolves".
 */
export const STORAGE_CONTRACT_VERSION = 3;

/**
 * The contract versions this `Store` accepts from a driver. A new version only adds optional
 * primitives, each with a fallback in `Store`, so a driver written against any version in
 * the range keeps working.
 */
export const SUPPORTED_CONTRACT_VERSIONS: { readonly min: number; readonly max: number } = Object.freeze({
  min: 1,
  max: STORAGE_CONTRACT_VERSION,
});

/** One record as the driver keeps it. */
export interface StoredRecord {
  /** The record's uid in this store. */
  uid: string;
  /** The name of the record's own state model (a Kitten stays a Kitten). */
  model: string;
  /** Values of the record's static and dynamic fields, keyed by field name. Relationship fields are not here. */
  fields: Record<string, JsonValue>;
}

/** A record's identity: its uid and the name of its model. */
export interface RecordKey {
  uid: string;
  model: string;
}

/** An outgoing link of a record: `field` of the source points at `target`. */
export interface Link {
  field: string;
  target: RecordKey;
}

/** An incoming link of a record: `field` of `source` points at it. */
export interface IncomingLink {
  field: string;
  source: RecordKey;
}

/** One point of a dynamic field's series as stored: its timestamp and the JSON form of its value. */
export interface StoredPoint {
  timestamp: number;
  value: JsonValue;
}

/** The part of a series a read wants: the points with `from ≤ timestamp ≤ to` (an absent bound is open). */
export interface SeriesWindow {
  from?: number;
  to?: number;
}

/** Equality conditions on static fields, compared as JSON values. */
export type WhereClause = Record<string, JsonValue>;

/**
 * The primitives available inside one transaction. Values passed in and returned are owned by
 * the caller: a driver copies (or serialises) them, so no caller can change stored data later.
 */
export interface StorageTransaction {
  /** Required. The model names of the records among `uids` that exist (absent uids are left out). */
  getModels(uids: readonly string[]): Promise<Map<string, string>>;
  /** Required. The record with `uid`, or null when it does not exist. */
  readRecord(uid: string): Promise<StoredRecord | null>;
  /**
   * Optional, since contract version 2. The records among `uids` that exist, keyed by uid
   * (absent uids are left out; a uid may be asked twice). `Store` uses it for `bulkGet` and
   * `query({ includeStates })` when a driver of version 2 or later has it, and calls
   * `readRecord` once per uid otherwise.
   */
  readRecords?(uids: readonly string[]): Promise<Map<string, StoredRecord>>;
  /** Required. Creates a record; `uid` is new (the caller generated it). */
  createRecord(record: StoredRecord): Promise<void>;
  /** Required. Overwrites the given fields of an existing record; fields not given keep their values. */
  writeFields(uid: string, fields: Record<string, JsonValue>): Promise<void>;
  /**
   * Required. Deletes the record and its outgoing links (and, for a driver that keeps guids or
   * series, its guid and its series). Incoming links are removed with `removeIncomingLinks`.
   */
  deleteRecord(uid: string): Promise<void>;
  /** Required. Outgoing links of `uid` (of one field when given), each field's links in the order they were added. */
  readLinks(uid: string, field?: string): Promise<Link[]>;
  /**
   * Required. Appends links from `source` to each of `targets` under `field`, in order. A target
   * already linked under that field is left where it is (set union). Must not read or copy the
   * existing list in full: appends stay cheap on long lists.
   */
  addLinks(source: RecordKey, field: string, targets: readonly RecordKey[]): Promise<void>;
  /**
   * Required. Removes the links of `field` of `source`: all of them, or only those to `targets`
   * when given (the others keep their places). `Store` passes `targets` when a put or a patch
   * replaces a list and keeps the rest of it in order, so only the dropped links are removed.
   */
  removeLinks(source: string, field: string, targets?: readonly string[]): Promise<void>;
  /** Required. Links pointing at `target` (only from `fields` when given). */
  readIncomingLinks(target: string, fields?: readonly string[]): Promise<IncomingLink[]>;
  /** Required. Removes every link pointing at `target`. */
  removeIncomingLinks(target: string): Promise<void>;
  /** Required. Records whose model is one of `models` and whose static fields equal `where` (all when absent). */
  query(models: readonly string[], where?: WhereClause): Promise<RecordKey[]>;
  // --- query pushdown (docs/queries.md, "Pushing queries down to the driver") ---
  /**
   * Optional, since contract version 2. Evaluates a checked query natively: the keys of the
   * matching records in the plan's order, after its keyset position, at most its limit; or
   * null when the driver cannot evaluate this plan (`Store` then evaluates it over the
   * required primitives, with the same answer).
   */
  queryNative?(plan: QueryPlan): Promise<RecordKey[] | null>;
  /** Optional, since contract version 2. The number of records matching the plan, or null (see `queryNative`). */
  countNative?(plan: CountPlan): Promise<number | null>;
  // --- guids kept with the records (docs/store-authors.md, "Guids") ---
  // A driver that declares `capabilities.guids` has all three; `Store` then keeps every guid
  // link in the transaction that writes the record it names, so a link never outlives its
  // record, a record never loses its guid, and a guid names at most one record of the store.
  /** Optional, since contract version 3. The guids of the records among `uids` that have one, keyed by uid. */
  readGuids?(uids: readonly string[]): Promise<Map<string, string>>;
  /** Optional, since contract version 3. The uid of the record linked to `guid`, or null. */
  findGuid?(guid: string): Promise<string | null>;
  /**
   * Optional, since contract version 3. Links record `uid`, which exists and has no guid, to
   * `guid`, which names no record of this store (the caller checked both; a driver should
   * still refuse a second record for one guid, e.g. with a unique index, so that concurrent
   * transactions cannot both take it). `deleteRecord` drops the link with the record.
   */
  writeGuid?(uid: string, guid: string): Promise<void>;
  // --- series kept apart from the fields (docs/store-authors.md, "Series") ---
  // A driver that declares `capabilities.series` has all three; `Store` then never puts a
  // dynamic field into `fields`, and appending k points to a series of n costs what the
  // driver's index makes it (O(k log n) for a table keyed by record, field and timestamp).
  /**
   * Optional, since contract version 3. The points of `field` of record `uid` within `window`,
   * by ascending timestamp (none when the series is empty or was never written).
   */
  readSeries?(uid: string, field: string, window: SeriesWindow): Promise<StoredPoint[]>;
  /**
   * Optional, since contract version 3. Adds `points` (distinct timestamps, ascending) to the
   * series of `field` of `source`; a point whose timestamp the series has replaces its value.
   * Must not read or rewrite the rest of the series. `deleteRecord` drops a record's series.
   */
  appendPoints?(source: RecordKey, field: string, points: readonly StoredPoint[]): Promise<void>;
  /** Optional, since contract version 3. Empties the series of `field` of record `uid` (a put then appends the new points). */
  clearSeries?(uid: string, field: string): Promise<void>;
}

/** What a driver can do beyond the required primitives. */
export interface StorageCapabilities {
  /** True when the data outlives the process. Default: false. */
  persistent?: boolean;
  /** True when several processes may share the data safely. Default: false. */
  multiProcess?: boolean;
  /**
   * True when the transactions have `readGuids`, `findGuid` and `writeGuid` (contract version 3
   * or later): guids are then kept by the driver, in the same transactions as the records.
   * Default: false.
   */
  guids?: boolean;
  /**
   * True when the transactions have `readSeries`, `appendPoints` and `clearSeries` (contract
   * version 3 or later): dynamic fields are then kept by the driver, apart from `fields`.
   * Default: false.
   */
  series?: boolean;
}

/** Whether a transaction may write. */
export type TransactionMode = 'read' | 'write';

/** The storage a `Store` runs on. */
export interface StorageDriver {
  /**
   * Required. The contract version the driver was written against: `STORAGE_CONTRACT_VERSION`
   * of the `@constelite/store` it was built with. `Store` accepts `SUPPORTED_CONTRACT_VERSIONS`.
   */
  readonly contractVersion: number;
  /** Optional. Capabilities; all false by default. */
  readonly capabilities?: StorageCapabilities;
  /**
   * Required. Runs `work` atomically and in isolation: if it throws, none of its writes remain;
   * no other transaction observes its writes before it ends; concurrent write transactions
   * never lose each other's effects. A driver may run `work` again after a serialization
   * conflict, so `work` has no effects outside the transaction.
   */
  transaction<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T>;
  /** Optional. Releases connections and files. */
  close?(): Promise<void>;
}
