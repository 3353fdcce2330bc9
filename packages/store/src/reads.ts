import { type AnyState, type Ref, type RefTo, unreachable } from '@constelite/core';
import { readBackref } from './backrefs.js';
import { checkRef } from './checks.js';
import type { StoreContext } from './context.js';
import { readRecords } from './contract.js';
import type { RecordKey, StorageTransaction, StoredRecord } from './driver.js';
import { notFound } from './errors.js';
import { fieldsOf } from './fields.js';
import { addGuids, guidOf, resolveUid } from './guid-rules.js';
import { makeRef } from './refs.js';
import { runTransaction } from './transaction.js';

/** `get`: the record's full current state (relationships and backrefs as refs without state). */
export async function getOne(ctx: StoreContext, ref: Ref): Promise<RefTo> {
  const target = checkRef(ctx, ref, 'get');
  const uid = target.record?.uid ?? (await resolveUid(ctx, target, 'get'));
  const state = await runTransaction(ctx, 'read', (tx) => readState(ctx, tx, uid, target.state_model_name));
  if (!ctx.guidMap) return makeRef(ctx, uid, state.model_name, state, null);
  await addGuids(ctx, state);
  return makeRef(ctx, uid, state.model_name, state, await guidOf(ctx, uid));
}

/** `bulkGet`: many gets in one read transaction, answered in the order asked. */
export async function getMany(ctx: StoreContext, refs: readonly Ref[]): Promise<RefTo[]> {
  const targets = refs.map((ref) => checkRef(ctx, ref, 'bulkGet'));
  const uids = await Promise.all(targets.map((target) => resolveUid(ctx, target, 'bulkGet')));
  const keys = uids.map((uid, index) => ({ uid, model: targets[index]!.state_model_name }));
  const states = await runTransaction(ctx, 'read', (tx) => readStates(ctx, tx, keys));
  return withGuids(ctx, uids, states);
}

/** Refs to `uids` carrying `states` (and their guids, with a guid map). */
export async function withGuids(
  ctx: StoreContext,
  uids: readonly string[],
  states: readonly AnyState[],
): Promise<RefTo[]> {
  for (const state of states) await addGuids(ctx, state);
  return Promise.all(
    states.map(async (state, index) =>
      makeRef(ctx, uids[index]!, state.model_name, state, await guidOf(ctx, uids[index]!)),
    ),
  );
}

/** The state of record `uid`; a missing record is `RECORD_NOT_FOUND` naming `expectedModel`. */
export async function readState(
  ctx: StoreContext,
  tx: StorageTransaction,
  uid: string,
  expectedModel: string,
): Promise<AnyState> {
  const record = await tx.readRecord(uid);
  if (!record) throw notFound(ctx, uid, expectedModel);
  return stateOf(ctx, tx, record);
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

/** A stored record as a state: its values, its links as refs, its backrefs. */
async function stateOf(ctx: StoreContext, tx: StorageTransaction, record: StoredRecord): Promise<AnyState> {
  const model = ctx.registry.get(record.model);
  // Values are kept in their JSON form; the model gives them back as values (dates as Dates).
  const state: AnyState = model.fromJSON({ model_name: record.model, ...record.fields });
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
