import {
  type AnyState,
  type AnyStateModel,
  type Ref,
  type RefTo,
  unreachable,
  ValidationError,
} from '@constelite/core';
import { readBackref } from './backrefs.js';
import { checkRef } from './checks.js';
import type { StoreContext } from './context.js';
import { readRecords } from './contract.js';
import type { RecordKey, SeriesWindow, StorageTransaction, StoredRecord } from './driver.js';
import { notFound } from './errors.js';
import { dynamicFieldsOf, fieldsOf, staticOnly } from './fields.js';
import { addGuids, resolveUid, type TransactionGuids, transactionGuids } from './guid-rules.js';
import { makeRef } from './refs.js';
import { readSeriesFields } from './series.js';
import { runTransaction } from './transaction.js';

/** Options of `get`. */
export interface GetOptions {
  /** Only the points of each dynamic field with a timestamp ≥ `from` (inclusive). */
  from?: number;
  /** Only the points of each dynamic field with a timestamp ≤ `to` (inclusive). */
  to?: number;
}

/** No window: every point (one frozen object, not one per read). */
const WHOLE_SERIES: SeriesWindow = Object.freeze({});

/** The window of `get`'s options: finite numbers, `from` ≤ `to`; anything else is `VALIDATION_FAILED`. */
function seriesWindow(ctx: StoreContext, options: GetOptions): SeriesWindow {
  const window: SeriesWindow = {};
  for (const bound of ['from', 'to'] as const) {
    const value = options[bound];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ValidationError(
        `get: '${bound}' must be a finite number (a timestamp), received ${JSON.stringify(value)}`,
        {
          extra: { store: ctx.uid, [bound]: value },
        },
      );
    }
    window[bound] = value;
  }
  if (window.from !== undefined && window.to !== undefined && window.from > window.to) {
    throw new ValidationError(`get: 'from' (${window.from}) is after 'to' (${window.to})`, {
      extra: { store: ctx.uid, from: window.from, to: window.to },
    });
  }
  return window;
}

/** `get`: the record's full current state (relationships and backrefs as refs without state). */
export function getOne(ctx: StoreContext, ref: Ref, options?: GetOptions): Promise<RefTo> {
  // Not an async function, and without a promise for what is known at once (see `write`).
  let target: Ref;
  let window: SeriesWindow;
  try {
    target = checkRef(ctx, ref, 'get');
    window = options ? seriesWindow(ctx, options) : WHOLE_SERIES;
  } catch (error) {
    return Promise.reject(error);
  }
  return runTransaction(ctx, 'read', (tx) => readOne(ctx, tx, target, window));
}

/** The work of `get`'s transaction. */
function readOne(
  ctx: StoreContext,
  tx: StorageTransaction,
  target: Ref,
  window: SeriesWindow,
): Promise<RefTo> {
  try {
    const guids = transactionGuids(ctx, tx);
    // The most common get, by record with guids off, without the async steps of the others.
    if (target.record && !guids) {
      const uid = target.record.uid;
      return Promise.resolve(tx.readRecord(uid)).then((record) => {
        if (!record) throw notFound(ctx, uid, target.state_model_name);
        const read = stateOf(ctx, tx, record, window);
        return read instanceof Promise
          ? read.then((state) => makeRef(ctx, uid, state.model_name, state, null))
          : makeRef(ctx, uid, read.model_name, read, null);
      });
    }
    return readOneWithGuids(ctx, tx, target, window, guids);
  } catch (error) {
    return Promise.reject(error);
  }
}

async function readOneWithGuids(
  ctx: StoreContext,
  tx: StorageTransaction,
  target: Ref,
  window: SeriesWindow,
  guids: TransactionGuids | null,
): Promise<RefTo> {
  // (a ref with a record names its uid: no guid to look up, no promise to wait for)
  const uid = target.record ? target.record.uid : await resolveUid(ctx, guids, target, 'get');
  const record = await tx.readRecord(uid);
  if (!record) throw notFound(ctx, uid, target.state_model_name);
  const read = stateOf(ctx, tx, record, window);
  const state = read instanceof Promise ? await read : read;
  const found = makeRef(ctx, uid, state.model_name, state, null);
  if (guids) await addGuids(ctx, guids, [found]);
  return found;
}

/** `bulkGet`: many gets in one read transaction, answered in the order asked. */
export async function getMany(ctx: StoreContext, refs: readonly Ref[]): Promise<RefTo[]> {
  const targets = refs.map((ref) => checkRef(ctx, ref, 'bulkGet'));
  return runTransaction(ctx, 'read', async (tx) => {
    const guids = transactionGuids(ctx, tx);
    const keys: RecordKey[] = [];
    for (const target of targets) {
      keys.push({ uid: await resolveUid(ctx, guids, target, 'bulkGet'), model: target.state_model_name });
    }
    return refsWithGuids(ctx, guids, keys, await readStates(ctx, tx, keys));
  });
}

/**
 * Refs to the records of `keys`, with their `states` when given, each ref (and each ref in the
 * states' lists) carrying its guid when guids are on.
 */
export async function refsWithGuids(
  ctx: StoreContext,
  guids: TransactionGuids | null,
  keys: readonly RecordKey[],
  states: readonly AnyState[] | null,
): Promise<RefTo[]> {
  const refs = keys.map((key, index) => {
    const state = states?.[index] ?? null;
    return makeRef(ctx, key.uid, state?.model_name ?? key.model, state, null);
  });
  if (guids) await addGuids(ctx, guids, refs);
  return refs;
}

/** The state of record `uid`; a missing record is `RECORD_NOT_FOUND` naming `expectedModel`. */
export async function readState(
  ctx: StoreContext,
  tx: StorageTransaction,
  uid: string,
  expectedModel: string,
  window?: SeriesWindow,
): Promise<AnyState> {
  const record = await tx.readRecord(uid);
  if (!record) throw notFound(ctx, uid, expectedModel);
  return stateOf(ctx, tx, record, window);
}

/**
 * The states of many records, in the order of `keys` (a key's `model` is the model expected,
 * for the error when it is missing). The records are read with one `readRecords` when the
 * driver has it.
 */
export async function readStates(
  ctx: StoreContext,
  tx: StorageTransaction,
  keys: readonly RecordKey[],
): Promise<AnyState[]> {
  if (keys.length === 0) return [];
  if (keys.length === 1) return [await readState(ctx, tx, keys[0]!.uid, keys[0]!.model)];
  const records = await readRecords(ctx, tx, [...new Set(keys.map((key) => key.uid))]);
  const states: AnyState[] = [];
  for (const key of keys) {
    const record = records.get(key.uid);
    if (!record) throw notFound(ctx, key.uid, key.model);
    states.push(await stateOf(ctx, tx, record));
  }
  return states;
}

/** A stored record as a state: its values (its series within `window`), its links as refs, its backrefs. */
function stateOf(
  ctx: StoreContext,
  tx: StorageTransaction,
  record: StoredRecord,
  window: SeriesWindow = WHOLE_SERIES,
): AnyState | Promise<AnyState> {
  const model = ctx.registry.get(record.model);
  // A model of static fields only reads nothing more: its state is there without a promise.
  // One copy of the fields, with the model name first (as a state prints).
  if (staticOnly(model)) return model.fromJSON({ model_name: record.model, ...record.fields });
  return stateWithReads(ctx, tx, model, record, window);
}

async function stateWithReads(
  ctx: StoreContext,
  tx: StorageTransaction,
  model: AnyStateModel,
  record: StoredRecord,
  window: SeriesWindow,
): Promise<AnyState> {
  const json: Record<string, unknown> = { model_name: record.model, ...record.fields };
  const dynamicFields = dynamicFieldsOf(model);
  if (dynamicFields.length > 0) {
    const series = await readSeriesFields(ctx, tx, record.uid, record.fields, dynamicFields, window);
    for (const [field, value] of Object.entries(series)) {
      if (value === undefined) delete json[field];
      else json[field] = value;
    }
  }
  // Values are kept in their JSON form; the model gives them back as values (dates as Dates).
  const state: AnyState = model.fromJSON(json);
  let linksByField: Map<string, Ref[]> | null = null;
  for (const [field, info] of fieldsOf(model)) {
    switch (info.kind) {
      case 'static':
      case 'dynamic':
        break; // in the record's values
      case 'association':
      case 'aggregation':
      case 'composition':
        linksByField ??= await linksOf(ctx, tx, record.uid);
        state[field] = linksByField.get(field) ?? [];
        break;
      case 'backref':
        state[field] = await readBackref(ctx, tx, record.uid, info);
        break;
      default:
        unreachable(info, 'field kind');
    }
  }
  return state;
}

/** The outgoing links of record `uid` as refs, by field, each list in its order. */
async function linksOf(ctx: StoreContext, tx: StorageTransaction, uid: string): Promise<Map<string, Ref[]>> {
  const byField = new Map<string, Ref[]>();
  for (const link of await tx.readLinks(uid)) {
    let list = byField.get(link.field);
    if (!list) {
      list = [];
      byField.set(link.field, list);
    }
    list.push(makeRef(ctx, link.target.uid, link.target.model, null, null));
  }
  return byField;
}
