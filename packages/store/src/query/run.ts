import { type AnyStateModel, type RefTo, ValidationError, WrongStoreError } from '@constelite/core';
import type { StoreContext } from '../context.js';
import { countNative, queryNative, readRecords } from '../contract.js';
import type { RecordKey, StorageTransaction } from '../driver.js';
import { transactionGuids } from '../guid-rules.js';
import { readStates, refsWithGuids } from '../reads.js';
import { runTransaction } from '../transaction.js';
import {
  type CompileContext,
  type CompiledQuery,
  type CompileOptions,
  compileQuery,
  type HasTarget,
} from './compile.js';
import { encodeCursor } from './cursor.js';
import { evaluateCount, evaluateQuery } from './evaluate.js';
import { DEFAULT_PAGE_SIZE, type KeysetPosition, type QueryPlan } from './plan.js';
import type { CountOptions, IterateOptions, QueryOptions, QueryPage, QueryPageOptions } from './types.js';
import { sortValues } from './values.js';

// `query`, `queryPage`, `count` and `iterate` of `Store`: check the query once, then let the
// driver evaluate it natively when it can (`queryNative`/`countNative`) and evaluate it over
// the required primitives otherwise (docs/queries.md).

type AnyModel = AnyStateModel | string;

function modelOf(ctx: StoreContext, model: AnyModel): AnyStateModel {
  return typeof model === 'string' ? ctx.registry.get(model) : model;
}

function compileContext(ctx: StoreContext): CompileContext {
  return {
    registry: ctx.registry,
    async resolveHas(target: HasTarget, where: string): Promise<string> {
      const foreign = target.store !== null && target.store.toLowerCase() !== ctx.uid;
      // A ref of another store names its entity by guid when guids are on (docs/concepts.md, "Guids").
      if (foreign && !(ctx.guids && target.guid)) {
        throw new WrongStoreError(
          `${where}: the ref ${target.uid ?? target.guid} belongs to store ${target.store}, not to store ${ctx.label}`,
          { extra: { store: ctx.uid, ref_store: target.store, uid: target.uid, model: target.model } },
        );
      }
      if (target.uid !== null && !foreign) return target.uid;
      if (!ctx.guids)
        throw new ValidationError(
          `${where}: store ${ctx.label} has no guids enabled, so a ref with only a guid cannot be resolved`,
          { extra: { store: ctx.uid } },
        );
      // A guid that names no record is a target nothing links to: the query matches nothing.
      const uid = await runTransaction(ctx, 'read', (tx) => transactionGuids(ctx, tx)!.uidOf(target.guid!));
      return uid ?? '';
    },
  };
}

function compile(
  ctx: StoreContext,
  options: { model: AnyModel; where?: unknown; orderBy?: unknown; limit?: unknown; cursor?: unknown },
  compileOptions: CompileOptions,
): Promise<CompiledQuery> {
  return compileQuery(compileContext(ctx), modelOf(ctx, options.model), options, compileOptions);
}

/** The matching keys of a plan: natively when the driver can, else over the primitives. */
async function keysOf(ctx: StoreContext, tx: StorageTransaction, plan: QueryPlan): Promise<RecordKey[]> {
  const native = await queryNative(ctx, tx, plan);
  if (native !== null) return native;
  return evaluateQuery(tx, plan, (uids) => readRecords(ctx, tx, uids));
}

/** Refs to the records of `keys` (with their states when asked), carrying their guids: read in `tx`. */
async function refsIn(
  ctx: StoreContext,
  tx: StorageTransaction,
  keys: readonly RecordKey[],
  includeStates: boolean | undefined,
): Promise<RefTo[]> {
  const states = includeStates ? await readStates(ctx, tx, keys) : null;
  return refsWithGuids(ctx, transactionGuids(ctx, tx), keys, states);
}

/** `query`: refs to the matching records (sub-models included), in order, at most `limit`. */
export async function queryRefs(ctx: StoreContext, options: QueryOptions<AnyModel>): Promise<RefTo[]> {
  const { plan } = await compile(ctx, options, { method: 'query', defaultLimit: null, paged: false });
  return runTransaction(ctx, 'read', async (tx) =>
    refsIn(ctx, tx, await keysOf(ctx, tx, plan), options.includeStates),
  );
}

/** One page of a compiled query, and the keyset position after its last record (null: no more pages). */
async function page(
  ctx: StoreContext,
  plan: QueryPlan,
  includeStates: boolean | undefined,
): Promise<{ refs: RefTo[]; next: KeysetPosition | null }> {
  const size = plan.limit!;
  return runTransaction(ctx, 'read', async (tx) => {
    // One more than the page, to know whether another page follows.
    const keys = await keysOf(ctx, tx, { ...plan, limit: size + 1 });
    const kept = keys.slice(0, size);
    let next: KeysetPosition | null = null;
    if (keys.length > size) {
      // The sort values are read in the page's own transaction, so the position is exactly
      // where this page ended even if the record changes before the next page is read.
      const last = kept[kept.length - 1]!;
      const record = (await readRecords(ctx, tx, [last.uid])).get(last.uid);
      const values = record ? sortValues(record.fields, plan.orderBy) : plan.orderBy.map(() => null);
      next = { values, uid: last.uid };
    }
    return { refs: await refsIn(ctx, tx, kept, includeStates), next };
  });
}

/** `queryPage`: one page of the matching records and the cursor of the next. */
export async function queryPage(ctx: StoreContext, options: QueryPageOptions<AnyModel>): Promise<QueryPage> {
  const compiled = await compile(ctx, options, {
    method: 'queryPage',
    defaultLimit: DEFAULT_PAGE_SIZE,
    paged: true,
  });
  const found = await page(ctx, compiled.plan, options.includeStates);
  return {
    refs: found.refs,
    nextCursor: found.next === null ? null : encodeCursor(compiled.hash, found.next),
  };
}

/** `count`: the number of matching records. */
export async function countRecords(ctx: StoreContext, options: CountOptions<AnyModel>): Promise<number> {
  const { plan } = await compile(
    ctx,
    { model: options.model, where: options.where },
    {
      method: 'count',
      defaultLimit: null,
      paged: false,
    },
  );
  return runTransaction(ctx, 'read', async (tx) => {
    const native = await countNative(ctx, tx, plan);
    if (native !== null) return native;
    return evaluateCount(tx, plan, (uids) => readRecords(ctx, tx, uids));
  });
}

/**
 * `iterate`: every matching record, read `pageSize` at a time, each page in its own read
 * transaction; keyset positions make it miss or repeat no record that exists throughout.
 */
export async function* iterateRefs(
  ctx: StoreContext,
  options: IterateOptions<AnyModel>,
): AsyncGenerator<RefTo> {
  const compiled = await compile(
    ctx,
    { model: options.model, where: options.where, orderBy: options.orderBy, limit: options.pageSize },
    { method: 'iterate', limitName: 'pageSize', defaultLimit: DEFAULT_PAGE_SIZE, paged: false },
  );
  let plan = compiled.plan;
  for (;;) {
    const found = await page(ctx, plan, options.includeStates);
    yield* found.refs;
    if (found.next === null) return;
    plan = { ...plan, after: found.next };
  }
}
