import type { Condition, CountPlan, JsonValue, QueryPlan, RecordKey, SortKey } from '@constelite/store';
import { canonicalJson, prefixUpperBound } from '@constelite/store';
import type Database from 'better-sqlite3';

// Query pushdown for SQLite (docs/queries.md, "Pushing queries down to the driver"). Every
// value of every record is copied into `query_values`, one row per field, typed: the
// (model, field, t, v, uid) index then finds the records by equality, range or prefix and
// gives them in sort order. A plan becomes one SELECT over that index; values, field and model
// names are bound parameters, never SQL text (field names were checked against the model by
// `Store` before the plan was made).

/** The type tags of `query_values.t`: a value of one type never equals or compares with another. */
const TAG = { boolean: 0, number: 1, string: 2, json: 3 } as const;

// \`v\` is declared BLOB so that it has no type affinity: each value keeps the type it was bound
// with (a text '9' is never turned into the number 9).
const SCHEMA = `
  CREATE TABLE IF NOT EXISTS query_values (
    uid TEXT NOT NULL,
    model TEXT NOT NULL,
    field TEXT NOT NULL,
    t INTEGER NOT NULL,
    v BLOB NOT NULL,
    PRIMARY KEY (uid, field)
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS query_values_lookup ON query_values (model, field, t, v, uid);
`;

type Bound = string | number;

/** The tag and bound value of a JSON value: booleans as 0/1, lists and objects as canonical JSON. */
function encode(value: Exclude<JsonValue, null>): [number, Bound] {
  switch (typeof value) {
    case 'boolean':
      return [TAG.boolean, value ? 1 : 0];
    case 'number':
      return [TAG.number, value];
    case 'string':
      return [TAG.string, value];
    default:
      return [TAG.json, canonicalJson(value)];
  }
}

const SORT_TAG = { boolean: TAG.boolean, number: TAG.number, string: TAG.string } as const;

/**
 * The query index of one database: created (and filled from the records) on first open, kept
 * up to date by the driver's writes in the same transaction.
 */
export class SqliteQueryIndex {
  readonly #db: Database.Database;
  readonly #insert: Database.Statement<[string, string, string, number, Bound]>;
  readonly #deleteField: Database.Statement<[string, string]>;
  readonly #deleteAll: Database.Statement<[string]>;
  readonly #statements = new Map<string, Database.Statement<Bound[]>>();

  constructor(db: Database.Database) {
    this.#db = db;
    const exists = db
      .prepare<[], { name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'query_values'",
      )
      .get();
    if (!exists) this.#create();
    this.#insert = db.prepare('INSERT INTO query_values (uid, model, field, t, v) VALUES (?, ?, ?, ?, ?)');
    this.#deleteField = db.prepare('DELETE FROM query_values WHERE uid = ? AND field = ?');
    this.#deleteAll = db.prepare('DELETE FROM query_values WHERE uid = ?');
  }

  /** Creates the table and fills it from the records (a file written before query pushdown existed). */
  #create(): void {
    const db = this.#db;
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(SCHEMA);
      const insert = db.prepare<[string, string, string, number, Bound]>(
        'INSERT OR REPLACE INTO query_values (uid, model, field, t, v) VALUES (?, ?, ?, ?, ?)',
      );
      // In batches by rowid: better-sqlite3 runs no other statement while an iterator is open.
      const batch = db.prepare<[number], { id: number; uid: string; model: string; fields: string }>(
        'SELECT rowid AS id, uid, model, fields FROM records WHERE rowid > ? ORDER BY rowid LIMIT 1000',
      );
      for (let last = -1; ; ) {
        const rows = batch.all(last);
        if (rows.length === 0) break;
        for (const row of rows) {
          const fields = JSON.parse(row.fields) as Record<string, JsonValue>;
          for (const [field, value] of Object.entries(fields))
            if (value !== null) insert.run(row.uid, row.model, field, ...encode(value));
        }
        last = rows[rows.length - 1]!.id;
      }
      db.exec('COMMIT');
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Indexes the given fields of a record (`fresh`: the record is new, so nothing is replaced). */
  write(uid: string, model: string, fields: Record<string, JsonValue>, fresh: boolean): void {
    for (const field of Object.keys(fields)) {
      const value = fields[field]!;
      if (!fresh) this.#deleteField.run(uid, field);
      if (value !== null) this.#insert.run(uid, model, field, ...encode(value));
    }
  }

  /** Drops the index rows of a deleted record. */
  remove(uid: string): void {
    this.#deleteAll.run(uid);
  }

  /** The keys a plan selects, in its order. */
  query(plan: QueryPlan): RecordKey[] {
    if (plan.models.length === 0) return [];
    const { sql, params } = sqliteQuerySql(plan);
    return this.#statement(sql).all(...params) as RecordKey[];
  }

  /** The number of records a plan selects. */
  count(plan: CountPlan): number {
    if (plan.models.length === 0) return 0;
    const { sql, params } = sqliteCountSql(plan);
    return (this.#statement(sql).get(...params) as { n: number }).n;
  }

  /** Statements are cached by their text: a query of one shape is planned once. */
  #statement(sql: string): Database.Statement<Bound[]> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare<Bound[]>(sql);
      if (this.#statements.size > 500) this.#statements.clear();
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

/** SQL text and its parameters. */
export interface SqlText {
  sql: string;
  params: Bound[];
}

const marks = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/** Where the candidate records come from: the uid and model column of the FROM clause. */
interface Base {
  from: string;
  where: string[];
  params: Bound[];
  /** The leaf the base already decides (left out of the remaining condition). */
  decided: Condition | null;
  /** The sort key the base's own value column gives, in index order (driving on the first sort key). */
  sorted: boolean;
}

/** The top-level conditions of a plan (the parts of an `and`). */
function topLevel(where: Condition | null): readonly Condition[] {
  return where === null ? [] : where.op === 'and' ? where.conditions : [where];
}

/** A leaf on the value of a `query_values` row aliased `alias`, as SQL (null for other conditions). */
function leafSql(condition: Condition, alias: string, params: Bound[]): string | null {
  switch (condition.op) {
    case 'eq':
    case 'ne': {
      const [tag, value] = encode(condition.value);
      params.push(tag, value);
      return `${alias}.t = ? AND ${alias}.v = ?`;
    }
    case 'in':
    case 'nin': {
      const byTag = new Map<number, Bound[]>();
      for (const value of condition.values) {
        const [tag, bound] = encode(value);
        byTag.set(tag, [...(byTag.get(tag) ?? []), bound]);
      }
      const parts: string[] = [];
      for (const [tag, values] of byTag) {
        params.push(tag, ...values);
        parts.push(`${alias}.t = ? AND ${alias}.v IN (${marks(values.length)})`);
      }
      return parts.length === 1 ? parts[0]! : `(${parts.map((part) => `(${part})`).join(' OR ')})`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.op];
      params.push(...encode(condition.value));
      return `${alias}.t = ? AND ${alias}.v ${op} ?`;
    }
    case 'startsWith': {
      // The strings with a prefix are a range in code point order, which is SQLite's BINARY order.
      const upper = prefixUpperBound(condition.value);
      params.push(TAG.string, condition.value);
      if (upper === null) return `${alias}.t = ? AND ${alias}.v >= ?`;
      params.push(upper);
      return `${alias}.t = ? AND ${alias}.v >= ? AND ${alias}.v < ?`;
    }
    case 'contains':
      params.push(TAG.string, condition.value);
      return `${alias}.t = ? AND instr(${alias}.v, ?) > 0`;
    default:
      return null;
  }
}

/** True when one range (or a short list of points) of the value index decides the condition. */
function drivable(condition: Condition): boolean {
  if (condition.op === 'in') return new Set(condition.values.map((value) => encode(value)[0])).size === 1;
  return ['eq', 'gt', 'gte', 'lt', 'lte', 'startsWith', 'contains'].includes(condition.op);
}

/** Chooses where to start: an index range of a top-level condition, the links of a `$has`, or the model's records. */
function chooseBase(plan: CountPlan & Partial<Pick<QueryPlan, 'orderBy'>>): Base {
  const top = topLevel(plan.where);
  const models = plan.models;
  const first = plan.orderBy?.[0];
  const range = (condition: Condition) =>
    ['eq', 'gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op);
  const onValues = (condition: Condition, sorted: boolean): Base | null => {
    if (!('field' in condition) || !drivable(condition)) return null;
    const params: Bound[] = [...models, condition.field];
    const leaf = leafSql(condition, 'b', params);
    if (leaf === null) return null;
    return {
      from: 'query_values b',
      where: [`b.model IN (${marks(models.length)})`, 'b.field = ?', leaf],
      params,
      decided: condition,
      sorted,
    };
  };
  // A range on the only sort key of a single model: the index gives the records in order, so
  // a page reads only its own rows.
  if (first && plan.orderBy!.length === 1 && models.length === 1) {
    const onSortKey = top.find(
      (condition) =>
        range(condition) &&
        'field' in condition &&
        condition.field === first.field &&
        'value' in condition &&
        typeof condition.value === first.kind,
    );
    const base = onSortKey ? onValues(onSortKey, true) : null;
    if (base) return base;
  }
  for (const wanted of ['eq', 'has', 'in', 'range', 'contains'] as const) {
    for (const condition of top) {
      if (wanted === 'has' && condition.op === 'has') {
        return {
          from: 'links b',
          where: [`b.target = ?`, 'b.field = ?', `b.source_model IN (${marks(models.length)})`],
          params: [condition.target, condition.field, ...models],
          decided: condition,
          sorted: false,
        };
      }
      const matchesWanted =
        wanted === 'range' ? range(condition) && condition.op !== 'eq' : condition.op === wanted;
      if (!matchesWanted) continue;
      const base = onValues(condition, false);
      if (base) return base;
    }
  }
  return {
    from: 'records b',
    where: [`b.model IN (${marks(models.length)})`],
    params: [...models],
    decided: null,
    sorted: false,
  };
}

/** The uid and model columns of a base. */
function columns(base: Base): { uid: string; model: string } {
  return base.from.startsWith('links')
    ? { uid: 'b.source', model: 'b.source_model' }
    : { uid: 'b.uid', model: 'b.model' };
}

/** A condition on the record whose uid is `uid`, as SQL over correlated index lookups. */
function conditionSql(condition: Condition, uid: string, params: Bound[]): string {
  switch (condition.op) {
    case 'and':
    case 'or': {
      if (condition.conditions.length === 0) return condition.op === 'and' ? '1' : '0';
      const parts = condition.conditions.map((item) => conditionSql(item, uid, params));
      return `(${parts.join(condition.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'has':
      params.push(condition.field, condition.target);
      return `EXISTS (SELECT 1 FROM links l WHERE l.source = ${uid} AND l.field = ? AND l.target = ?)`;
    case 'exists':
      params.push(condition.field);
      return `${condition.exists ? '' : 'NOT '}EXISTS (SELECT 1 FROM query_values q WHERE q.uid = ${uid} AND q.field = ?)`;
    case 'ne':
    case 'nin': {
      params.push(condition.field);
      const leaf = leafSql(condition, 'q', params);
      return `NOT EXISTS (SELECT 1 FROM query_values q WHERE q.uid = ${uid} AND q.field = ? AND ${leaf})`;
    }
    default: {
      params.push(condition.field);
      const leaf = leafSql(condition, 'q', params);
      return `EXISTS (SELECT 1 FROM query_values q WHERE q.uid = ${uid} AND q.field = ? AND ${leaf})`;
    }
  }
}

function remaining(plan: CountPlan, base: Base): Condition | null {
  if (base.decided === null) return plan.where;
  const rest = topLevel(plan.where).filter((condition) => condition !== base.decided);
  return rest.length === 0 ? null : rest.length === 1 ? rest[0]! : { op: 'and', conditions: rest };
}

const bindSort = (value: string | number | boolean): Bound =>
  typeof value === 'boolean' ? (value ? 1 : 0) : value;

/** The SELECT of a query plan: keys in the plan's order, after its position, at most its limit. */
export function sqliteQuerySql(plan: QueryPlan): SqlText {
  const base = chooseBase(plan);
  const { uid, model } = columns(base);
  const params: Bound[] = [];
  const joins: string[] = [];
  // Sort values: the base's own value when it drives on the sort key, else one LEFT JOIN each
  // (a missing value, or one of another type, is NULL and sorts as missing).
  const keys = plan.orderBy.map((key: SortKey, index) => {
    if (index === 0 && base.sorted) return 'b.v';
    const alias = `s${index}`;
    joins.push(
      `LEFT JOIN query_values ${alias} ON ${alias}.uid = ${uid} AND ${alias}.field = ? AND ${alias}.t = ?`,
    );
    params.push(key.field, SORT_TAG[key.kind]);
    return `${alias}.v`;
  });
  params.push(...base.params);
  const where = [...base.where];
  const rest = remaining(plan, base);
  if (rest !== null) where.push(conditionSql(rest, uid, params));
  if (plan.after !== null) where.push(keysetSql(plan, keys, uid, base.sorted, params));
  const order = plan.orderBy.map((key, index) =>
    index === 0 && base.sorted
      ? `${keys[index]} ${key.direction.toUpperCase()}`
      : `${keys[index]} ${key.direction === 'asc' ? 'ASC NULLS LAST' : 'DESC NULLS FIRST'}`,
  );
  order.push(`${uid} ${plan.uidDirection.toUpperCase()}`);
  let sql = `SELECT ${uid} AS uid, ${model} AS model FROM ${base.from} ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')}`;
  if (plan.limit !== null) {
    sql += ' LIMIT ?';
    params.push(plan.limit);
  }
  return { sql, params };
}

/** The records strictly after the plan's keyset position (a missing value counts as the greatest). */
function keysetSql(
  plan: QueryPlan,
  keys: readonly string[],
  uid: string,
  sorted: boolean,
  params: Bound[],
): string {
  const after = plan.after!;
  const uidOp = plan.uidDirection === 'asc' ? '>' : '<';
  if (sorted && keys.length === 1 && after.values[0] !== null) {
    // The base holds only records with the value: one row-value range of the index.
    params.push(bindSort(after.values[0]!), after.uid);
    return `(${keys[0]}, ${uid}) ${plan.orderBy[0]!.direction === 'asc' ? '>' : '<'} (?, ?)`;
  }
  const alternatives: string[] = [];
  const equalSoFar: string[] = [];
  plan.orderBy.forEach((key, index) => {
    const value = after.values[index]!;
    const k = keys[index]!;
    let beyond: string | null;
    if (key.direction === 'asc') {
      beyond = value === null ? null : `(${k} IS NULL OR ${k} > ?)`;
    } else {
      beyond = value === null ? `${k} IS NOT NULL` : `${k} < ?`;
    }
    if (beyond !== null) {
      const before = equalSoFar.join(' AND ');
      alternatives.push(before ? `(${before} AND ${beyond})` : `(${beyond})`);
      // Parameters are bound in text order: those of the equalities, then this key's own.
      for (let prior = 0; prior < index; prior++) {
        const priorValue = after.values[prior]!;
        if (priorValue !== null) params.push(bindSort(priorValue));
      }
      if (value !== null) params.push(bindSort(value));
    }
    equalSoFar.push(value === null ? `${k} IS NULL` : `${k} = ?`);
  });
  const before = equalSoFar.join(' AND ');
  alternatives.push(before ? `(${before} AND ${uid} ${uidOp} ?)` : `(${uid} ${uidOp} ?)`);
  for (const value of after.values) if (value !== null) params.push(bindSort(value));
  params.push(after.uid);
  return `(${alternatives.join(' OR ')})`;
}

/** The COUNT of a plan. */
export function sqliteCountSql(plan: CountPlan): SqlText {
  const base = chooseBase(plan);
  const { uid } = columns(base);
  const params: Bound[] = [...base.params];
  const where = [...base.where];
  const rest = remaining(plan, base);
  if (rest !== null) where.push(conditionSql(rest, uid, params));
  return { sql: `SELECT count(*) AS n FROM ${base.from} WHERE ${where.join(' AND ')}`, params };
}
