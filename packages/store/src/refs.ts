import { type AnyState, Ref, type RefTo } from '@constelite/core';
import type { StoreContext } from './context.js';

/** A ref to record `uid` of this store. */
export function makeRef(
  ctx: StoreContext,
  uid: string,
  model: string,
  state: AnyState | null,
  guid: string | null,
): RefTo {
  return new Ref({
    record: { store: { uid: ctx.uid, name: ctx.name }, uid, url: null },
    guid,
    state,
    state_model_name: model,
  }) as RefTo;
}
