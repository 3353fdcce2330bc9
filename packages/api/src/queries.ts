import { ResultTooLargeError } from '@constelite/core';
import type { CountBody, QueryBody, QueryPageBody } from '@constelite/core/wire';
import type { OrderByItem, Store, UntypedWhere } from '@constelite/store';
import type { ConsteliteAPI } from './api.js';

/**
 * The query endpoints over HTTP (docs/queries.md): the Python client's `property_values` and
 * the query language's `where`, sorting, limits, pages and counts. Large answers stream.
 */

/** The most records an unpaged `/store/query` answers when the caller gives no `limit`. */
export const DEFAULT_MAX_UNPAGED_RECORDS = 10_000;

/**
 * How many records each read of a streamed answer fetches from the store. A read is one
 * uninterrupted piece of work on the event loop and is held in memory until the reader takes
 * it, so pages with states (of any size) are small; refs alone are small enough to take more.
 */
const STREAM_PAGE_SIZE = { refs: 1000, states: 100 } as const;

/**
 * A list answered item by item: the transport writes it as a JSON array while the client reads
 * it, so a large answer never sits in memory whole (and a reader that stops reading holds one
 * page, not the answer).
 */
export class StreamedList {
  constructor(readonly items: AsyncIterable<unknown>) {}

  /** The whole list, for callers in process. */
  async toArray(): Promise<unknown[]> {
    const out: unknown[] = [];
    for await (const item of this.items) out.push(item);
    return out;
  }
}

type Conditions = Pick<CountBody, 'query' | 'where'>;

/** The conditions of a body: `property_values` (null meaning "not given") and `where`, both when given. */
export function whereOf(body: Conditions): UntypedWhere | undefined {
  const parts: UntypedWhere[] = [];
  const equal: Record<string, unknown> = {};
  // null means "not given" on the wire (the Python client sends unset fields as null).
  for (const [field, value] of Object.entries(body.query?.property_values ?? {})) {
    if (value !== null && value !== undefined)
      Object.defineProperty(equal, field, { value, enumerable: true });
  }
  if (Object.keys(equal).length > 0) parts.push(equal);
  if (body.where) parts.push(body.where);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { $and: parts };
}

function orderByOf(body: Pick<QueryBody, 'order_by'>): OrderByItem[] | undefined {
  // The direction is the store's to check (it names orderBy when it is neither asc nor desc).
  return body.order_by?.map(({ field, direction }) => ({
    field,
    direction: (direction ?? 'asc') as 'asc' | 'desc',
  }));
}

function target(api: ConsteliteAPI, body: Conditions & Pick<CountBody, 'model_name' | 'store'>) {
  return { store: api.getStore(body.store.uid) as Store, model: api.registry.get(body.model_name).modelName };
}

/** `/store/query`: with a `limit`, that many at most; without, every record up to the API's maximum, streamed. */
export async function queryOperation(api: ConsteliteAPI, body: QueryBody): Promise<unknown> {
  const { store, model } = target(api, body);
  const where = whereOf(body);
  const orderBy = orderByOf(body);
  const includeStates = body.include_states ?? false;
  if (body.limit !== null && body.limit !== undefined) {
    return store.query({ model, where, orderBy, limit: body.limit, includeStates });
  }
  const max = api.maxUnpagedRecords;
  const matching = await store.count({ model, where });
  if (matching > max) {
    throw new ResultTooLargeError(
      `store/query of ${model} in store '${store.name}' matches ${matching} records, more than the ${max} an unpaged query answers: page through them with /store/query_page (client.store.queryPage or client.store.iterate), or give a limit`,
      { extra: { model, store: store.uid, matching, max } },
    );
  }
  const items = async function* () {
    let sent = 0;
    for await (const item of store.iterate({
      model,
      where,
      orderBy,
      includeStates,
      pageSize: includeStates ? STREAM_PAGE_SIZE.states : STREAM_PAGE_SIZE.refs,
    })) {
      // Records added since the count are left out rather than exceeding the maximum.
      if (sent++ >= max) return;
      yield item;
    }
  };
  return new StreamedList(items());
}

/** `/store/query_page`: one page and the cursor of the next. */
export async function queryPageOperation(api: ConsteliteAPI, body: QueryPageBody): Promise<unknown> {
  const { store, model } = target(api, body);
  const page = await store.queryPage({
    model,
    where: whereOf(body),
    orderBy: orderByOf(body),
    limit: body.limit ?? undefined,
    cursor: body.cursor ?? null,
    includeStates: body.include_states ?? false,
  });
  return { refs: page.refs, next_cursor: page.nextCursor };
}

/** `/store/count`. */
export async function countOperation(api: ConsteliteAPI, body: CountBody): Promise<number> {
  const { store, model } = target(api, body);
  return store.count({ model, where: whereOf(body) });
}
