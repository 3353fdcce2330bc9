import type { AnyStateModel, Ref } from '@constelite/core';
import type { StoreContext } from './context.js';
import type { StorageTransaction } from './driver.js';
import { makeRef } from './refs.js';

/** The field info of a backref: it mirrors `field` of the `target` model (and its sub-models). */
export interface BackrefInfo {
  target: () => AnyStateModel;
  field: string;
}

/**
 * The refs a backref lists for record `uid`: the records of the target model (sub-models
 * included) whose `field` links to it. Computed from the links on every read, so never stale.
 */
export async function readBackref(
  ctx: StoreContext,
  tx: StorageTransaction,
  uid: string,
  info: BackrefInfo,
): Promise<Ref[]> {
  const sources = ctx.registry.subModelNames(info.target());
  const incoming = await tx.readIncomingLinks(uid, [info.field]);
  return incoming
    .filter((link) => sources.includes(link.source.model))
    .map((link) => makeRef(ctx, link.source.uid, link.source.model, null, null));
}
