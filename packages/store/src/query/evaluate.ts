import type { RecordKey, StorageTransaction, StoredRecord, WhereClause } from '../driver.js';
import type { Condition, CountPlan, QueryPlan } from './plan.js';
import { comparator, type HasLink, isAfter, matches, type SortEntry, sortValues } from './values.js';

// The query language over the required primitives, so that a driver without `queryNative`
// answers every query the same way as one with it (docs/queries.md, "How a query runs"). The
// candidates are narrowed with what the primitives offer (the links to a `$has` target, or the
// driver's equality `query` on scalar values), then every condition is checked on the records.

/** Reads many records (the store's `readRecords`, with its fallback to `readRecord`). */
export type ReadRecords = (uids: readonly string[]) => Promise<Map<string, StoredRecord>>;

/** How many candidate records are read at once. */
const BATCH = 1_000;

/** The keys of the records that match `plan`, in its order, after its position, at most its limit. */
export async function evaluateQuery(
  tx: StorageTransaction,
  plan: QueryPlan,
  read: ReadRecords,
): Promise<RecordKey[]> {
  const entries: (SortEntry & { model: string })[] = [];
  const compare = comparator(plan);
  if (plan.orderBy.length === 0 && coveredByEquality(plan.where)) {
    // The driver's equality `query` decides the whole condition: no record needs reading.
    const models = new Set(plan.models);
    for (const key of await candidateKeys(tx, plan, new Map())) {
      const entry = { values: [], uid: key.uid, model: key.model };
      if (models.has(key.model) && isAfter(compare, entry, plan.after)) entries.push(entry);
    }
  } else {
    await scan(tx, plan, read, (record) => {
      const entry = { values: sortValues(record.fields, plan.orderBy), uid: record.uid, model: record.model };
      if (isAfter(compare, entry, plan.after)) entries.push(entry);
    });
  }
  entries.sort(compare);
  const kept = plan.limit === null ? entries : entries.slice(0, plan.limit);
  return kept.map((entry) => ({ uid: entry.uid, model: entry.model }));
}

/** The number of records that match `plan`. */
export async function evaluateCount(
  tx: StorageTransaction,
  plan: CountPlan,
  read: ReadRecords,
): Promise<number> {
  if (coveredByEquality(plan.where)) {
    const models = new Set(plan.models);
    return (await candidateKeys(tx, plan, new Map())).filter((key) => models.has(key.model)).length;
  }
  let count = 0;
  await scan(tx, plan, read, () => {
    count++;
  });
  return count;
}

/** Calls `found` with every record of the plan's models that matches its condition. */
async function scan(
  tx: StorageTransaction,
  plan: CountPlan,
  read: ReadRecords,
  found: (record: StoredRecord) => void,
): Promise<void> {
  if (plan.models.length === 0) return;
  const linked = await linkSets(tx, plan.where);
  const hasLink: HasLink = (field, target, uid) => linked.get(linkKey(field, target))?.has(uid) ?? false;
  const candidates = await candidateKeys(tx, plan, linked);
  const models = new Set(plan.models);
  for (let start = 0; start < candidates.length; start += BATCH) {
    const batch = candidates.slice(start, start + BATCH).filter((key) => models.has(key.model));
    const records = await read(batch.map((key) => key.uid));
    for (const key of batch) {
      const record = records.get(key.uid);
      if (record && models.has(record.model) && matches(plan.where, record.uid, record.fields, hasLink))
        found(record);
    }
  }
}

/** The top-level conditions of a condition (its parts when it is an `and`). */
function topLevel(where: Condition | null): readonly Condition[] {
  return where === null ? [] : where.op === 'and' ? where.conditions : [where];
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** True when the condition is scalar equalities on distinct fields only, which the driver's `query` decides alone. */
function coveredByEquality(where: Condition | null): boolean {
  const fields = new Set<string>();
  for (const condition of topLevel(where)) {
    if (condition.op !== 'eq' || !isScalar(condition.value) || fields.has(condition.field)) return false;
    fields.add(condition.field);
  }
  return true;
}

const linkKey = (field: string, target: string) => `${field}\0${target}`;

/** For every `$has` of the condition, the uids of the records linking to its target under its field. */
async function linkSets(tx: StorageTransaction, where: Condition | null): Promise<Map<string, Set<string>>> {
  const sets = new Map<string, Set<string>>();
  const visit = async (condition: Condition | null): Promise<void> => {
    if (condition === null) return;
    if (condition.op === 'and' || condition.op === 'or') {
      for (const item of condition.conditions) await visit(item);
    } else if (condition.op === 'has') {
      const key = linkKey(condition.field, condition.target);
      if (sets.has(key)) return;
      const links = await tx.readIncomingLinks(condition.target, [condition.field]);
      sets.set(
        key,
        new Set(links.filter((link) => link.field === condition.field).map((link) => link.source.uid)),
      );
    }
  };
  await visit(where);
  return sets;
}

/**
 * The records that can match: the sources of a top-level `$has`, else the driver's equality
 * `query` on the top-level scalar equalities (none: every record of the models).
 */
async function candidateKeys(
  tx: StorageTransaction,
  plan: CountPlan,
  linked: Map<string, Set<string>>,
): Promise<RecordKey[]> {
  const top = topLevel(plan.where);
  const has = top.find((condition) => condition.op === 'has');
  if (has && has.op === 'has') {
    const links = await tx.readIncomingLinks(has.target, [has.field]);
    const sources = linked.get(linkKey(has.field, has.target)) ?? new Set<string>();
    const seen = new Set<string>();
    const keys: RecordKey[] = [];
    for (const link of links) {
      if (!sources.has(link.source.uid) || seen.has(link.source.uid)) continue;
      seen.add(link.source.uid);
      keys.push(link.source);
    }
    return keys;
  }
  const equal: WhereClause = {};
  let any = false;
  for (const condition of top) {
    if (condition.op !== 'eq' || Object.hasOwn(equal, condition.field) || !isScalar(condition.value))
      continue;
    // defineProperty, not assignment: a field name is data, never a prototype setter.
    Object.defineProperty(equal, condition.field, {
      value: condition.value,
      enumerable: true,
      writable: true,
    });
    any = true;
  }
  return tx.query(plan.models, any ? equal : undefined);
}
