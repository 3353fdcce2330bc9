import { type AnyState, type Ref, unreachable, ValidationError } from '@constelite/core';
import type { StoreContext } from './context.js';
import type { RecordKey } from './driver.js';
import { guidConflict, guidNotFound } from './errors.js';
import { fieldsOf } from './fields.js';
import type { GuidMap } from './guid.js';
import type { StoreMethod } from './methods.js';

// Every rule about guids in one place: refs are resolved by guid, guids are checked against
// the record they name, assigned on create, carried by every ref a store returns and
// forgotten on delete. The guid map itself is `GuidMap` (guid.ts).

/** A record created by a write and the guid it gets once the write has committed. */
export interface CreatedRecord {
  uid: string;
  guid: string;
}

/** The uid of the record a ref names: its record's, else the record of its guid in this store. */
export async function resolveUid(ctx: StoreContext, ref: Ref, method: StoreMethod): Promise<string> {
  if (ref.record) return ref.record.uid;
  if (ref.guid) {
    if (!ctx.guidMap) {
      throw new ValidationError(
        `${method}: store ${ctx.label} has no guid map, so a ref with only a guid cannot be resolved`,
      );
    }
    const uid = await ctx.guidMap.getRecordUid(ref.guid, ctx.uid);
    if (!uid) throw guidNotFound(ctx, ref.guid, ref.state_model_name);
    return uid;
  }
  throw new ValidationError(
    `${method} needs a ref with a record (or a guid); this ${ref.state_model_name} ref has none`,
    { extra: { store: ctx.uid, model: ref.state_model_name } },
  );
}

/**
 * The uid of the record a put or patch writes to (null: a new record), found by the ref's
 * record or guid; a guid that contradicts the record's own is a `GUID_CONFLICT`.
 */
export async function writeTargetUid(
  ctx: StoreContext,
  guidMap: GuidMap | null,
  target: Ref,
): Promise<string | null> {
  let uid = target.record?.uid ?? null;
  if (!guidMap || !target.guid) return uid;
  if (!uid) uid = await guidMap.getRecordUid(target.guid, ctx.uid);
  if (uid) {
    const existing = await guidMap.getGuid(ctx.uid, uid);
    if (existing && existing !== target.guid)
      throw guidConflict(ctx, uid, target.state_model_name, target.guid, existing);
  }
  return uid;
}

/** The uid of the record of `guid` in this store, for a ref inside a relationship list. */
export async function uidOfGuid(
  ctx: StoreContext,
  guidMap: GuidMap | null,
  guid: string | null,
): Promise<string | null> {
  return guid && guidMap ? guidMap.getRecordUid(guid, ctx.uid) : null;
}

/** The guid a record created now gets: the ref's, else a new one (only with a guid map). */
export function newGuid(guidMap: GuidMap | null, given: string | null): string | null {
  return guidMap ? (given ?? crypto.randomUUID()) : null;
}

/**
 * After a write committed: links the records it created to their guids (and an existing record
 * that had none to the ref's guid) and gives the guid of the written record.
 */
export async function linkWrittenGuids(
  ctx: StoreContext,
  guidMap: GuidMap | null,
  written: { key: RecordKey; created: readonly CreatedRecord[]; existing: boolean; refGuid: string | null },
): Promise<string | null> {
  if (!guidMap) return null;
  for (const created of written.created) await guidMap.link(created.guid, ctx.uid, created.uid);
  const uid = written.key.uid;
  if (!written.existing) return written.created.find((created) => created.uid === uid)?.guid ?? null;
  const guid = await guidMap.getGuid(ctx.uid, uid);
  if (guid || !written.refGuid) return guid;
  await guidMap.link(written.refGuid, ctx.uid, uid);
  return written.refGuid;
}

/** After a delete committed: forgets the guids of the records it removed. */
export async function unlinkGuids(
  ctx: StoreContext,
  guidMap: GuidMap | null,
  removed: readonly string[],
): Promise<void> {
  if (guidMap) for (const uid of removed) await guidMap.unlink(ctx.uid, uid);
}

/** The guid of record `uid`, or null (always null without a guid map). */
export async function guidOf(ctx: StoreContext, uid: string): Promise<string | null> {
  return ctx.guidMap ? ctx.guidMap.getGuid(ctx.uid, uid) : null;
}

/** Gives the refs inside a state's relationship and backref lists their guids (refs carry guids everywhere). */
export async function addGuids(ctx: StoreContext, state: AnyState): Promise<void> {
  const guidMap = ctx.guidMap;
  if (!guidMap) return;
  for (const [field, info] of fieldsOf(ctx.registry.get(state.model_name))) {
    switch (info.kind) {
      case 'static':
      case 'dynamic':
        break;
      case 'association':
      case 'aggregation':
      case 'composition':
      case 'backref':
        for (const item of (state[field] as Ref[] | undefined) ?? []) {
          if (item.record) item.guid = await guidMap.getGuid(ctx.uid, item.record.uid);
        }
        break;
      default:
        unreachable(info, 'field kind');
    }
  }
}
