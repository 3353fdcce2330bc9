import {
  type AnyState,
  type AnyStateModel,
  fieldKinds,
  type Ref,
  type RefTo,
  type RelationshipKind,
  unreachable,
  ValidationError,
} from '@constelite/core';
import { deleteDropped } from './cascades.js';
import { checkRef, checkStoreOf } from './checks.js';
import type { StoreContext } from './context.js';
import type { JsonValue, Link, RecordKey, StorageTransaction } from './driver.js';
import { guidNotFound, notFound } from './errors.js';
import { fieldsOf } from './fields.js';
import { assignGuid, guidOf, type TransactionGuids, transactionGuids, writeTargetUid } from './guid-rules.js';
import type { WriteMode } from './methods.js';
import { makeRef } from './refs.js';
import { createSeries, writeSeries } from './series.js';
import { runTransaction } from './transaction.js';
import { validateState } from './validation.js';
import { appendedSeriesJson, type Series, seriesJson, toJson } from './values.js';

/**
 * `put` or `patch`: creates a record (no record on the ref) or writes the given fields of one
 * with the rules of `mode` for each field kind, in one write transaction. Returns a ref without
 * state. Guids kept by the driver are read and written in the same transaction.
 */
export function write(ctx: StoreContext, ref: Ref, mode: WriteMode): Promise<RefTo> {
  // Not an async function, and each step below awaits only what can be pending: a put of a
  // small state is a few microseconds of work, and every promise (with its garbage) was a
  // large part of it. A bad call still rejects, never throws.
  let target: Ref;
  let state: AnyState | null;
  try {
    target = checkRef(ctx, ref, mode);
    state = target.state ? validateState(ctx, target.state, target.state_model_name) : null;
    if (!target.record && !target.guid && mode === 'patch') throw patchNeedsRecord(ctx, target);
    if (!target.record && !state && !(target.guid && ctx.guids)) {
      throw new ValidationError(
        `put of a ${target.state_model_name} ref needs a record or a state; it has neither`,
        { extra: { model: target.state_model_name, store: ctx.uid } },
      );
    }
  } catch (error) {
    return Promise.reject(error);
  }
  return runTransaction(
    ctx,
    'write',
    (tx) => writeIn(ctx, tx, target, state, mode),
    (outcome): RefTo | Promise<RefTo> =>
      outcome.guids
        ? outcome.guids.afterCommit().then(() => writtenRef(ctx, outcome))
        : writtenRef(ctx, outcome),
  );
}

/** The ref a write answers with: to the record written, without state. */
function writtenRef(ctx: StoreContext, outcome: { key: RecordKey; guid: string | null }): RefTo {
  return makeRef(ctx, outcome.key.uid, outcome.key.model, null, outcome.guid);
}

interface WriteOutcome {
  key: RecordKey;
  guid: string | null;
  guids: TransactionGuids | null;
}

/** The work of one attempt of a write transaction. */
function writeIn(
  ctx: StoreContext,
  tx: StorageTransaction,
  target: Ref,
  state: AnyState | null,
  mode: WriteMode,
): Promise<WriteOutcome> {
  try {
    const guids = transactionGuids(ctx, tx);
    const found = targetUid(ctx, guids, target);
    // The most common write, a put of a new record, without the async steps of the others.
    if (found === null && mode === 'put' && state) {
      // A new writer for every attempt: a driver may run this work again after a conflict.
      const writer = new Writer(ctx, tx, mode, guids);
      const guid = guids ? (target.guid ?? crypto.randomUUID()) : null;
      return writer.create(state, guid).then((key) => {
        guids?.forget(writer.removed);
        return { key, guid, guids };
      });
    }
    return writeOnto(ctx, tx, target, state, mode, guids, found);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `writeIn` for the other writes: onto a record, or a create that needs to look up a guid first. */
async function writeOnto(
  ctx: StoreContext,
  tx: StorageTransaction,
  target: Ref,
  state: AnyState | null,
  mode: WriteMode,
  guids: TransactionGuids | null,
  found: string | null | Promise<string | null>,
): Promise<WriteOutcome> {
  const writer = new Writer(ctx, tx, mode, guids);
  const uid = found instanceof Promise ? await found : found;
  let key: RecordKey;
  let guid: string | null;
  if (uid) {
    const model = (await tx.getModels([uid])).get(uid);
    if (model === undefined) throw notFound(ctx, uid, target.state_model_name);
    key = { uid, model };
    if (state) await writer.overwrite(key, state);
    // A ref's guid is now the record's own (writeTargetUid checked or linked it).
    guid = guids ? (target.guid ?? (await guidOf(guids, uid))) : null;
  } else if (mode === 'patch') {
    throw patchNeedsRecord(ctx, target);
  } else if (!state) {
    throw guidNotFound(ctx, target.guid!, target.state_model_name);
  } else {
    guid = guids ? (target.guid ?? crypto.randomUUID()) : null;
    key = await writer.create(state, guid);
  }
  guids?.forget(writer.removed);
  return { key, guid, guids };
}

/**
 * `writeTargetUid`, without a promise when there is no guid to look up or check (the ref's
 * record, or none, is then the answer).
 */
function targetUid(
  ctx: StoreContext,
  guids: TransactionGuids | null,
  ref: Ref,
): string | null | Promise<string | null> {
  if (guids && ref.guid) return writeTargetUid(ctx, guids, ref);
  return ref.record?.uid ?? null;
}

function patchNeedsRecord(ctx: StoreContext, target: Ref): ValidationError {
  return new ValidationError(
    `patch needs a ref with a record${ctx.guids ? ' or the guid of one' : ''}; this ${target.state_model_name} ref has none`,
    { extra: { model: target.state_model_name, store: ctx.uid, guid: target.guid } },
  );
}

/** Applies one put or patch inside a transaction. */
class Writer {
  /** Composition members this write deleted (an external guid map forgets them after the commit). */
  readonly removed: string[] = [];

  constructor(
    private readonly ctx: StoreContext,
    private readonly tx: StorageTransaction,
    private readonly mode: WriteMode,
    private readonly guids: TransactionGuids | null,
  ) {}

  /**
   * Creates a record from `state` (and the records its relationships carry), returning its key.
   * Not an async function: a state of values only is one `createRecord` and nothing to wait
   * for after it; a failure still rejects.
   */
  create(state: AnyState, guid: string | null): Promise<RecordKey> {
    try {
      return this.#create(state, guid);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #create(state: AnyState, guid: string | null): Promise<RecordKey> {
    const model = this.ctx.registry.get(state.model_name);
    const key: RecordKey = { uid: crypto.randomUUID(), model: model.modelName };
    const fields: Record<string, JsonValue> = {};
    // (made when a field needs them: most states have neither)
    let relationships: [string, Ref[]][] | null = null;
    let series: [string, Series][] | null = null;
    for (const [field, info] of fieldsOf(model)) {
      const value = state[field];
      if (value === undefined || value === null) continue;
      switch (info.kind) {
        case 'static':
          fields[field] = toJson(value);
          break;
        case 'dynamic':
          if (!this.ctx.seriesInDriver) fields[field] = seriesJson(value as Series);
          else if (series) series.push([field, value as Series]);
          else series = [[field, value as Series]];
          break;
        case 'association':
        case 'aggregation':
        case 'composition':
          if (relationships) relationships.push([field, value as Ref[]]);
          else relationships = [[field, value as Ref[]]];
          break;
        case 'backref':
          break; // kept by the store, never written
        default:
          unreachable(info, 'field kind');
      }
    }
    const created = Promise.resolve(this.tx.createRecord({ uid: key.uid, model: key.model, fields }));
    if (!series && !this.guids && !relationships) return created.then(() => key);
    return this.#completeCreate(created, model, key, series, guid, relationships);
  }

  /** The rest of a create after its `createRecord`: series, guid, relationships. */
  async #completeCreate(
    created: Promise<void>,
    model: AnyStateModel,
    key: RecordKey,
    series: [string, Series][] | null,
    guid: string | null,
    relationships: [string, Ref[]][] | null,
  ): Promise<RecordKey> {
    await created;
    if (series) await createSeries(this.ctx, this.tx, key, series);
    if (this.guids) await assignGuid(this.guids, key.uid, guid);
    for (const [field, refs] of relationships ?? []) {
      const targets = await this.resolveTargets(model, field, refs);
      if (targets.length > 0) await this.tx.addLinks(key, field, targets);
    }
    return key;
  }

  /** Writes `state` onto the existing record `key` with the put or patch rules. */
  async overwrite(key: RecordKey, state: AnyState): Promise<void> {
    const recordModel = this.ctx.registry.get(key.model);
    const stateModel = this.ctx.registry.get(state.model_name);
    if (!recordModel.isSubModelOf(stateModel)) {
      throw new ValidationError(
        `Cannot ${this.mode} a ${state.model_name} state onto record ${key.uid}, which is a ${key.model}`,
        { extra: { store: this.ctx.uid, uid: key.uid, model: key.model, state_model: state.model_name } },
      );
    }
    const fields: Record<string, JsonValue> = {};
    let current: Record<string, JsonValue> | null = null;
    for (const [field, info] of fieldsOf(stateModel)) {
      const value = state[field];
      if (value === undefined || value === null) continue;
      switch (info.kind) {
        case 'static':
          fields[field] = toJson(value);
          break;
        case 'dynamic':
          if (this.ctx.seriesInDriver) {
            // O(k log n) in the driver, without reading the record. A replace also clears the
            // field in the record's values, where a file migrated from an older schema may
            // still hold a series (reads merge it with the driver's points until then).
            await writeSeries(this.ctx, this.tx, key, field, value as Series, this.mode);
            if (fieldKinds.dynamic[this.mode] === 'replace') fields[field] = null;
          } else if (fieldKinds.dynamic[this.mode] === 'replace') {
            fields[field] = seriesJson(value as Series);
          } else {
            current ??= (await this.tx.readRecord(key.uid))?.fields ?? {};
            fields[field] = appendedSeriesJson(current[field], value as Series);
          }
          break;
        case 'association':
        case 'aggregation':
        case 'composition':
          await this.writeRelationship(key, stateModel, field, info.kind, value as Ref[]);
          break;
        case 'backref':
          break; // kept by the store, never written
        default:
          unreachable(info, 'field kind');
      }
    }
    if (Object.keys(fields).length > 0) await this.tx.writeFields(key.uid, fields);
  }

  private async writeRelationship(
    owner: RecordKey,
    model: AnyStateModel,
    field: string,
    kind: RelationshipKind,
    refs: Ref[],
  ): Promise<void> {
    const targets = await this.resolveTargets(model, field, refs);
    const rule = fieldKinds[kind][this.mode];
    switch (rule) {
      case 'append':
        if (targets.length > 0) await this.tx.addLinks(owner, field, targets);
        return;
      case 'replace':
      case 'replace-and-delete-dropped': {
        const previous = await this.tx.readLinks(owner.uid, field);
        const kept = await replaceLinks(this.tx, owner, field, previous, targets);
        if (rule === 'replace-and-delete-dropped')
          await deleteDropped(this.ctx, this.tx, owner.uid, previous, kept, this.removed);
        return;
      }
      case 'ignore':
        return;
      default:
        unreachable(rule, 'write rule');
    }
  }

  /**
   * Turns the refs of a relationship into record keys: links are checked, new states created,
   * and the state of a ref to an existing record written onto it with this write's rules.
   */
  private async resolveTargets(model: AnyStateModel, field: string, given: Ref[]): Promise<RecordKey[]> {
    const info = model.fields[field] as { target: () => AnyStateModel };
    const target = info.target();
    const where = `${model.modelName}.${field}`;
    const refs = given.map((ref) => checkStoreOf(this.ctx, ref, where));
    const linked = refs.flatMap((ref) => (ref.record ? [ref.record.uid] : []));
    const models = linked.length > 0 ? await this.tx.getModels(linked) : new Map<string, string>();
    const keys: RecordKey[] = [];
    for (const ref of refs) {
      const found = targetUid(this.ctx, this.guids, ref);
      const uid = found instanceof Promise ? await found : found;
      if (uid) {
        const found = models.get(uid) ?? (await this.tx.getModels([uid])).get(uid);
        if (found === undefined)
          throw notFound(this.ctx, uid, ref.state_model_name, `${where} links to a missing record`);
        if (!this.ctx.registry.get(found).isSubModelOf(target)) {
          throw new ValidationError(
            `${where} accepts ${target.modelName} records; record ${uid} is a ${found}`,
            {
              extra: { model: model.modelName, field, uid, store: this.ctx.uid },
            },
          );
        }
        const key = { uid, model: found };
        if (ref.state) await this.overwrite(key, validateState(this.ctx, ref.state, ref.state_model_name));
        keys.push(key);
      } else if (ref.state) {
        // A JSON ref's state was parsed with its owner; a Ref instance passes the owner's
        // schema as it is, so its state is parsed here unless a model already parsed it.
        keys.push(await this.create(validateState(this.ctx, ref.state, ref.state_model_name), ref.guid));
      } else if (ref.guid && this.guids) {
        throw guidNotFound(this.ctx, ref.guid, ref.state_model_name);
      } else {
        throw new ValidationError(
          `${where}: a ref to a ${ref.state_model_name} has neither a record nor a state`,
          {
            extra: { model: model.modelName, field, store: this.ctx.uid },
          },
        );
      }
    }
    return keys;
  }
}

/**
 * Makes the links of `field` of `owner` exactly `targets`, in order (a target given twice is
 * linked once, where it first appears), and returns the uids kept. When the links that stay
 * are already the first of `targets`, in that order, only the dropped links are removed
 * (`removeLinks` with `targets`) and only the new ones appended, so a put that keeps a long
 * list, or drops a few members of it, does not rewrite it; otherwise the list is rewritten.
 */
async function replaceLinks(
  tx: StorageTransaction,
  owner: RecordKey,
  field: string,
  previous: readonly Link[],
  targets: readonly RecordKey[],
): Promise<Set<string>> {
  const wanted: RecordKey[] = [];
  const wantedUids = new Set<string>();
  for (const target of targets) {
    if (wantedUids.has(target.uid)) continue;
    wantedUids.add(target.uid);
    wanted.push(target);
  }
  const dropped: string[] = [];
  let stay = 0;
  let inOrder = true;
  for (const link of previous) {
    if (!wantedUids.has(link.target.uid)) dropped.push(link.target.uid);
    else if (wanted[stay++]?.uid !== link.target.uid) inOrder = false;
  }
  if (!inOrder) {
    await tx.removeLinks(owner.uid, field);
    await tx.addLinks(owner, field, wanted);
    return wantedUids;
  }
  if (dropped.length > 0 && stay === 0) await tx.removeLinks(owner.uid, field);
  else if (dropped.length > 0) await tx.removeLinks(owner.uid, field, dropped);
  if (stay < wanted.length) await tx.addLinks(owner, field, wanted.slice(stay));
  return wantedUids;
}
