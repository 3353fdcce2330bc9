import type { Ref } from '@constelite/core';
import { checkRef } from './checks.js';
import type { StoreContext } from './context.js';
import type { Link, StorageTransaction } from './driver.js';
import { notFound } from './errors.js';
import { fieldsOfKind } from './fields.js';
import { resolveUid, transactionGuids } from './guid-rules.js';
import { runTransaction } from './transaction.js';

// Composition cascades: a record takes its composition members with it, recursively, and
// every link pointing at a deleted record goes too (docs/concepts.md, "Relationships").

/** `delete`: the record, its composition members (recursively) and every link to them. */
export async function deleteOne(ctx: StoreContext, ref: Ref): Promise<void> {
  const target = checkRef(ctx, ref, 'delete');
  const guids = await runTransaction(ctx, 'write', async (tx) => {
    const guids = transactionGuids(ctx, tx);
    const uid = await resolveUid(ctx, guids, target, 'delete');
    const model = (await tx.getModels([uid])).get(uid);
    if (model === undefined) throw notFound(ctx, uid, target.state_model_name);
    const removed: string[] = [];
    await deleteTree(ctx, tx, uid, new Set(), removed);
    guids?.forget(removed);
    return guids;
  });
  await guids?.afterCommit();
}

/**
 * Deletes record `uid` and its composition members, recursively, with every link to each;
 * `seen` stops cycles, `removed` collects the uids deleted (an external guid map forgets them after the commit).
 */
export async function deleteTree(
  ctx: StoreContext,
  tx: StorageTransaction,
  uid: string,
  seen: Set<string>,
  removed: string[],
): Promise<void> {
  if (seen.has(uid)) return;
  seen.add(uid);
  const model = (await tx.getModels([uid])).get(uid);
  if (model === undefined) return;
  for (const field of fieldsOfKind(ctx.registry, model, 'composition')) {
    for (const link of await tx.readLinks(uid, field))
      await deleteTree(ctx, tx, link.target.uid, seen, removed);
  }
  await tx.removeIncomingLinks(uid);
  await tx.deleteRecord(uid);
  removed.push(uid);
}

/** After a put replaced a composition list: deletes the members of `previous` it dropped. */
export async function deleteDropped(
  ctx: StoreContext,
  tx: StorageTransaction,
  owner: string,
  previous: readonly Link[],
  kept: ReadonlySet<string>,
  removed: string[],
): Promise<void> {
  const seen = new Set<string>([owner]);
  for (const link of previous) {
    if (!kept.has(link.target.uid)) await deleteTree(ctx, tx, link.target.uid, seen, removed);
  }
}
