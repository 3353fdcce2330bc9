import { type AnyState, type Ref, unreachable, ValidationError } from '@constelite/core';
import type { StoreContext } from './context.js';
import type { StorageTransaction } from './driver.js';
import { guidConflict, guidNotFound, storeFault } from './errors.js';
import { fieldsOf } from './fields.js';
import type { GuidMap } from './guid.js';
import type { StoreMethod } from './methods.js';

// Every rule about guids in one place: refs are resolved by guid, guids are checked against
// the record they name, assigned on create, carried by every ref a store returns and
// forgotten on delete (docs/concepts.md, "Guids").
//
// Guids are kept either by the driver, in the same transaction as the records they name
// (contract version 3, `capabilities.guids`), or by an external `GuidMap` (guid.ts), whose
// links are made and dropped once the store's transaction has committed.

/** Where a store keeps its guids (none: guids are off). */
export type GuidKeeping = { readonly kind: 'driver' } | { readonly kind: 'map'; readonly map: GuidMap };

/** The guid operations of one transaction of one store. */
export interface TransactionGuids {
  /** The guids of the records among `uids` that have one. */
  guidsOf(uids: readonly string[]): Promise<Map<string, string>>;
  /** The uid of the record of `guid` in this store, or null. */
  uidOf(guid: string): Promise<string | null>;
  /** Links record `uid` (which has no guid) to `guid` (which names no record of this store). */
  link(uid: string, guid: string): Promise<void>;
  /** The records this transaction deleted: their guids go with them. */
  forget(uids: readonly string[]): void;
  /** Once the transaction has committed: an external map makes and drops its links now. */
  afterCommit(): Promise<void>;
}

/** The guid operations of transaction `tx`, or null when guids are off. */
export function transactionGuids(ctx: StoreContext, tx: StorageTransaction): TransactionGuids | null {
  const keeping = ctx.guids;
  if (!keeping) return null;
  switch (keeping.kind) {
    case 'driver':
      return driverGuids(ctx, tx);
    case 'map':
      return new MapGuids(ctx.uid, keeping.map);
    default:
      return unreachable(keeping, 'guid keeping');
  }
}

function driverGuids(ctx: StoreContext, tx: StorageTransaction): TransactionGuids {
  const { readGuids, findGuid, writeGuid } = tx;
  if (!readGuids || !findGuid || !writeGuid) {
    throw storeFault(
      ctx,
      new Error(
        'the driver declares capabilities.guids but its transaction lacks readGuids, findGuid or writeGuid',
      ),
    );
  }
  return {
    guidsOf: (uids) => (uids.length === 0 ? Promise.resolve(new Map()) : readGuids.call(tx, uids)),
    uidOf: (guid) => findGuid.call(tx, guid),
    link: (uid, guid) => writeGuid.call(tx, uid, guid),
    // `deleteRecord` forgets a record's guid in the same transaction.
    forget: () => {},
    afterCommit: async () => {},
  };
}

/**
 * Guids in an external map: read at once, written after the commit (a map cannot take part in
 * the driver's transaction). Links made earlier in the same transaction are seen by later reads.
 */
class MapGuids implements TransactionGuids {
  readonly #linked = new Map<string, string>();
  readonly #byGuid = new Map<string, string>();
  readonly #forgotten = new Set<string>();

  constructor(
    private readonly storeUid: string,
    private readonly map: GuidMap,
  ) {}

  async guidsOf(uids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const uid of uids) {
      const guid = this.#linked.get(uid) ?? (await this.map.getGuid(this.storeUid, uid));
      if (guid) found.set(uid, guid);
    }
    return found;
  }

  async uidOf(guid: string): Promise<string | null> {
    return this.#byGuid.get(guid) ?? (await this.map.getRecordUid(guid, this.storeUid));
  }

  async link(uid: string, guid: string): Promise<void> {
    this.#linked.set(uid, guid);
    this.#byGuid.set(guid, uid);
  }

  forget(uids: readonly string[]): void {
    for (const uid of uids) this.#forgotten.add(uid);
  }

  async afterCommit(): Promise<void> {
    for (const uid of this.#forgotten) await this.map.unlink(this.storeUid, uid);
    for (const [uid, guid] of this.#linked) {
      if (!this.#forgotten.has(uid)) await this.map.link(guid, this.storeUid, uid);
    }
  }
}

/** The uid of the record a ref names: its record's, else the record of its guid in this store. */
export async function resolveUid(
  ctx: StoreContext,
  guids: TransactionGuids | null,
  ref: Ref,
  method: StoreMethod,
): Promise<string> {
  if (ref.record) return ref.record.uid;
  if (ref.guid) {
    if (!guids) {
      throw new ValidationError(
        `${method}: store ${ctx.label} has no guids enabled, so a ref with only a guid cannot be resolved`,
        { extra: { store: ctx.uid, model: ref.state_model_name, guid: ref.guid } },
      );
    }
    const uid = await guids.uidOf(ref.guid);
    if (!uid) throw guidNotFound(ctx, ref.guid, ref.state_model_name);
    return uid;
  }
  throw new ValidationError(
    `${method} needs a ref with a record (or a guid); this ${ref.state_model_name} ref has none`,
    { extra: { store: ctx.uid, model: ref.state_model_name } },
  );
}

/**
 * The uid of the record a ref names for a write (null: a new record): its record's, else the
 * record of its guid in this store. Checks the ref's guid against the record's (`checkGuid`).
 */
export async function writeTargetUid(
  ctx: StoreContext,
  guids: TransactionGuids | null,
  ref: Ref,
): Promise<string | null> {
  const uid = ref.record?.uid ?? (ref.guid && guids ? await guids.uidOf(ref.guid) : null);
  if (uid && ref.record) await checkGuid(ctx, guids, uid, ref);
  return uid;
}

/**
 * For a ref with both a record and a guid: the guid must be the record's own, or name no other
 * record of this store (the record then takes it); otherwise `GUID_CONFLICT`.
 */
export async function checkGuid(
  ctx: StoreContext,
  guids: TransactionGuids | null,
  uid: string,
  ref: Ref,
): Promise<void> {
  const guid = ref.guid;
  if (!guids || !guid) return;
  const existing = (await guids.guidsOf([uid])).get(uid);
  if (existing && existing !== guid) throw guidConflict(ctx, uid, ref.state_model_name, guid, existing);
  if (existing) return;
  const other = await guids.uidOf(guid);
  if (other && other !== uid) throw guidConflict(ctx, other, ref.state_model_name, guid, guid);
  await guids.link(uid, guid);
}

/** Gives record `uid`, created now, its guid: the ref's, else a new one (only with guids on). */
export async function assignGuid(
  guids: TransactionGuids | null,
  uid: string,
  given: string | null,
): Promise<string | null> {
  if (!guids) return null;
  const guid = given ?? crypto.randomUUID();
  await guids.link(uid, guid);
  return guid;
}

/** The guid of record `uid`, or null (always null with guids off). */
export async function guidOf(guids: TransactionGuids | null, uid: string): Promise<string | null> {
  return guids ? ((await guids.guidsOf([uid])).get(uid) ?? null) : null;
}

/**
 * Gives the refs of `states` (their relationship and backref lists) and the refs to the
 * records themselves their guids: refs carry guids everywhere. One `guidsOf` for all of them.
 */
export async function addGuids(
  ctx: StoreContext,
  guids: TransactionGuids | null,
  refs: readonly Ref[],
): Promise<void> {
  if (!guids) return;
  const owners = new Map<string, Ref[]>();
  const add = (ref: Ref): void => {
    const uid = ref.record?.uid;
    if (!uid) return;
    const list = owners.get(uid);
    if (list) list.push(ref);
    else owners.set(uid, [ref]);
  };
  for (const ref of refs) {
    add(ref);
    if (ref.state) for (const item of listedRefs(ctx, ref.state)) add(item);
  }
  const found = await guids.guidsOf([...owners.keys()]);
  for (const [uid, list] of owners) {
    const guid = found.get(uid) ?? null;
    for (const ref of list) ref.guid = guid;
  }
}

/** The refs in a state's relationship and backref lists. */
function* listedRefs(ctx: StoreContext, state: AnyState): Generator<Ref> {
  for (const [field, info] of fieldsOf(ctx.registry.get(state.model_name))) {
    switch (info.kind) {
      case 'static':
      case 'dynamic':
        break;
      case 'association':
      case 'aggregation':
      case 'composition':
      case 'backref':
        yield* (state[field] as Ref[] | undefined) ?? [];
        break;
      default:
        unreachable(info, 'field kind');
    }
  }
}
