import type { Condition, CountPlan, JsonValue, QueryPlan, RecordKey, SortKey } from '@constelite/store';
import { prefixUpperBound } from '@constelite/store';
import { escapedJsonText, escapeText, unescapeText } from './text-escape.js';

// Query pushdown for PostgreSQL (docs/queries.md, "Pushing queries down to the driver"). A
// trigger on `records` copies every value of every record into `query_values`, one typed row
// per field, in the same transaction as the write: numbers and booleans in `n`, strings in
// `s` (collation "C": code point order), lists and objects as their jsonb text in `s` (jsonb
// sorts object keys, so equal values have equal text whatever their key order). Btree indexes
// on (model, field, t, n, uid) and (model, field, t, left(s, 200), uid) find records by
// equality, range or prefix and give them in sort order; only a 200-character prefix of a
// string is in an index, so values of any length fit. A plan becomes one SELECT; every value,
// model and field name is a bound parameter (field names were checked against the model by
// `Store` before the plan was made). Strings are escaped as the driver stores them
// (./text-escape.ts).

/** The type tags of `query_values.t`. */
const TAG = { boolean: 0, number: 1, string: 2, json: 3 } as const;
/** How many characters of a string the index holds. */
const PREFIX = 200;

/** The quoted name of the index table of a schema (already checked against the schema name pattern). */
const table = (schema: string) => `"${schema}".query_values`;

/**
 * Creates the index table, its trigger and its indexes if the schema has none yet, and fills
 * it from the records. Runs inside the driver's migration transaction, under its advisory lock.
 */
export async function ensureQueryIndex(
  run: (text: string, params?: unknown[]) => Promise<unknown>,
  schema: string,
): Promise<void> {
  const q = `"${schema}"`;
  const [found] = (await run('SELECT to_regclass($1) IS NOT NULL AS present', [`${q}.query_values`])) as {
    present: boolean;
  }[];
  if (found?.present) return;
  const values = `CASE jsonb_typeof(e.value) WHEN 'boolean' THEN ${TAG.boolean} WHEN 'number' THEN ${TAG.number}
           WHEN 'string' THEN ${TAG.string} ELSE ${TAG.json} END,
         CASE jsonb_typeof(e.value) WHEN 'boolean' THEN (CASE WHEN e.value = 'true'::jsonb THEN 1 ELSE 0 END)
           WHEN 'number' THEN (e.value #>> '{}')::double precision END,
         CASE jsonb_typeof(e.value) WHEN 'string' THEN e.value #>> '{}'
           WHEN 'number' THEN NULL WHEN 'boolean' THEN NULL ELSE e.value::text END`;
  await run(`
    CREATE TABLE ${q}.query_values (
      uid text NOT NULL REFERENCES ${q}.records (uid) ON DELETE CASCADE,
      model text NOT NULL,
      field text NOT NULL,
      t smallint NOT NULL,
      n double precision,
      s text COLLATE "C",
      PRIMARY KEY (uid, field)
    );
    INSERT INTO ${q}.query_values (uid, model, field, t, n, s)
      SELECT r.uid, r.model, e.key, ${values}
      FROM ${q}.records r, jsonb_each(r.fields) AS e WHERE jsonb_typeof(e.value) <> 'null';
    CREATE INDEX query_values_number ON ${q}.query_values (model, field, t, n, uid);
    CREATE INDEX query_values_string ON ${q}.query_values (model, field, t, left(s, ${PREFIX}), uid);
    CREATE FUNCTION ${q}.constelite_query_values() RETURNS trigger LANGUAGE plpgsql AS $fn$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM ${q}.query_values q
          WHERE q.uid = NEW.uid AND coalesce(jsonb_typeof(NEW.fields -> q.field), 'null') = 'null';
      END IF;
      INSERT INTO ${q}.query_values (uid, model, field, t, n, s)
        SELECT NEW.uid, NEW.model, e.key, ${values}
        FROM jsonb_each(NEW.fields) AS e
        WHERE jsonb_typeof(e.value) <> 'null'
          AND (TG_OP = 'INSERT' OR OLD.fields -> e.key IS DISTINCT FROM e.value)
      ON CONFLICT (uid, field) DO UPDATE SET t = EXCLUDED.t, n = EXCLUDED.n, s = EXCLUDED.s;
      RETURN NULL;
    END
    $fn$;
    CREATE TRIGGER constelite_query_values AFTER INSERT OR UPDATE OF fields ON ${q}.records
      FOR EACH ROW EXECUTE FUNCTION ${q}.constelite_query_values();
  `);
}

/** SQL text and its parameters. */
export interface SqlText {
  text: string;
  params: unknown[];
}

/** Collects parameters: each call binds one value and returns its placeholder with a cast. */
class Params {
  readonly values: unknown[] = [];
  bind(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/** The first `PREFIX` characters (code points, as PostgreSQL's `left` counts) of a string. */
function prefixOf(text: string): string {
  if (text.length <= PREFIX) return text;
  let out = '';
  let count = 0;
  for (const char of text) {
    if (count++ === PREFIX) break;
    out += char;
  }
  return out;
}

/** A leaf on the value of a `query_values` row aliased `a`, as SQL. */
function leafSql(condition: Condition, a: string, p: Params): string | null {
  switch (condition.op) {
    case 'eq':
    case 'ne':
      return equalSql([condition.value], a, p);
    case 'in':
    case 'nin':
      return equalSql(condition.values, a, p);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const op = { gt: '>', gte: '>=', lt: '<', lte: '<=' }[condition.op];
      if (typeof condition.value === 'number')
        return `${a}.t = ${TAG.number} AND ${a}.n ${op} ${p.bind(condition.value, 'float8')}`;
      const value = escapeText(condition.value);
      // The prefix condition lets the index find the range; the full value decides.
      const prefixOp = op.startsWith('>') ? '>=' : '<=';
      return `${a}.t = ${TAG.string} AND left(${a}.s, ${PREFIX}) ${prefixOp} ${p.bind(prefixOf(value), 'text')} AND ${a}.s ${op} ${p.bind(value, 'text')}`;
    }
    case 'startsWith': {
      const value = escapeText(condition.value);
      const prefix = prefixOf(value);
      const upper = prefixUpperBound(prefix);
      const range = `left(${a}.s, ${PREFIX}) >= ${p.bind(prefix, 'text')}${
        upper === null ? '' : ` AND left(${a}.s, ${PREFIX}) < ${p.bind(upper, 'text')}`
      }`;
      return `${a}.t = ${TAG.string} AND ${range} AND starts_with(${a}.s, ${p.bind(value, 'text')})`;
    }
    case 'contains': {
      const value = escapeText(condition.value);
      // In a string holding an escape sequence (./text-escape.ts), a match must not start
      // inside one: such strings, which are rare, are checked with a regular expression.
      const inside = '(?<!\\x01|\\x01u|\\x01u[0-9a-f]|\\x01u[0-9a-f]{2}|\\x01u[0-9a-f]{3})';
      const pattern = `${inside}${value.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}`;
      return `${a}.t = ${TAG.string} AND strpos(${a}.s, ${p.bind(value, 'text')}) > 0 AND (strpos(${a}.s, chr(1)) = 0 OR ${a}.s ~ ${p.bind(pattern, 'text')})`;
    }
    default:
      return null;
  }
}

/** Deep equality with one of `values`, grouped by type. */
function equalSql(values: readonly Exclude<JsonValue, null>[], a: string, p: Params): string {
  const numbers: number[] = [];
  const booleans: number[] = [];
  const strings: string[] = [];
  const json: string[] = [];
  for (const value of values) {
    if (typeof value === 'number') numbers.push(value);
    else if (typeof value === 'boolean') booleans.push(value ? 1 : 0);
    else if (typeof value === 'string') strings.push(escapeText(value));
    else json.push(escapedJsonText(value));
  }
  const parts: string[] = [];
  const one = <T>(list: T[], single: (value: T) => string, many: (list: T[]) => string) => {
    if (list.length === 1) parts.push(single(list[0]!));
    else if (list.length > 1) parts.push(many(list));
  };
  one(
    numbers,
    (value) => `${a}.t = ${TAG.number} AND ${a}.n = ${p.bind(value, 'float8')}`,
    (list) => `${a}.t = ${TAG.number} AND ${a}.n = ANY(${p.bind(list, 'float8[]')})`,
  );
  one(
    booleans,
    (value) => `${a}.t = ${TAG.boolean} AND ${a}.n = ${p.bind(value, 'float8')}`,
    (list) => `${a}.t = ${TAG.boolean} AND ${a}.n = ANY(${p.bind(list, 'float8[]')})`,
  );
  one(
    strings,
    (value) =>
      `${a}.t = ${TAG.string} AND left(${a}.s, ${PREFIX}) = ${p.bind(prefixOf(value), 'text')} AND ${a}.s = ${p.bind(value, 'text')}`,
    (list) =>
      `${a}.t = ${TAG.string} AND left(${a}.s, ${PREFIX}) = ANY(${p.bind(list.map(prefixOf), 'text[]')}) AND ${a}.s = ANY(${p.bind(list, 'text[]')})`,
  );
  one(
    json,
    (value) => {
      const text = p.bind(value, 'text');
      return `${a}.t = ${TAG.json} AND left(${a}.s, ${PREFIX}) = left((${text}::jsonb)::text, ${PREFIX}) AND ${a}.s = (${text}::jsonb)::text`;
    },
    (list) =>
      `${a}.t = ${TAG.json} AND ${a}.s = ANY(ARRAY(SELECT (j::jsonb)::text FROM unnest(${p.bind(list, 'text[]')}) AS j))`,
  );
  return parts.length === 1 ? parts[0]! : `(${parts.map((part) => `(${part})`).join(' OR ')})`;
}

/** True when one index range (or a list of points of one type) decides the condition. */
function drivable(condition: Condition): boolean {
  if (condition.op === 'in') {
    const types = new Set(condition.values.map((value) => (Array.isArray(value) ? 'object' : typeof value)));
    return types.size === 1 && !types.has('object');
  }
  return ['eq', 'gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op);
}

function topLevel(where: Condition | null): readonly Condition[] {
  return where === null ? [] : where.op === 'and' ? where.conditions : [where];
}

/** Where the candidate records come from. */
interface Base {
  from: string;
  where: string[];
  uid: string;
  model: string;
  decided: Condition | null;
  /** The base is the index rows of the only sort key, so they come in sort order. */
  sorted: boolean;
}

/**
 * The model condition: `=` for one model, so that an index scan gives its rows in order
 * (`= ANY` of a list scans once per element and loses the order).
 */
function modelIs(column: string, models: readonly string[], p: Params): string {
  return models.length === 1
    ? `${column} = ${p.bind(models[0], 'text')}`
    : `${column} = ANY(${p.bind(models, 'text[]')})`;
}

function chooseBase(schema: string, plan: CountPlan & Partial<Pick<QueryPlan, 'orderBy'>>, p: Params): Base {
  const top = topLevel(plan.where);
  const models = plan.models.map(escapeText);
  const onValues = (condition: Condition, sorted: boolean): Base | null => {
    if (!('field' in condition) || !drivable(condition)) return null;
    const where = [modelIs('b.model', models, p), `b.field = ${p.bind(escapeText(condition.field), 'text')}`];
    const leaf = leafSql(condition, 'b', p);
    if (leaf === null) return null;
    where.push(leaf);
    return { from: `${table(schema)} b`, where, uid: 'b.uid', model: 'b.model', decided: condition, sorted };
  };
  const first = plan.orderBy?.[0];
  if (first && plan.orderBy!.length === 1 && plan.models.length === 1 && first.kind !== 'boolean') {
    const onSortKey = top.find(
      (condition) =>
        ['eq', 'gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op) &&
        'field' in condition &&
        condition.field === first.field &&
        'value' in condition &&
        typeof condition.value === first.kind,
    );
    if (onSortKey) return onValues(onSortKey, true)!;
  }
  for (const wanted of ['eq', 'has', 'in', 'range'] as const) {
    for (const condition of top) {
      if (wanted === 'has' && condition.op === 'has') {
        return {
          from: `"${schema}".links b`,
          where: [
            `b.target = ${p.bind(escapeText(condition.target), 'text')}`,
            `b.field = ${p.bind(escapeText(condition.field), 'text')}`,
            modelIs('b.source_model', models, p),
          ],
          uid: 'b.source',
          model: 'b.source_model',
          decided: condition,
          sorted: false,
        };
      }
      const isWanted =
        wanted === 'range'
          ? ['gt', 'gte', 'lt', 'lte', 'startsWith'].includes(condition.op)
          : condition.op === wanted;
      if (!isWanted) continue;
      const base = onValues(condition, false);
      if (base) return base;
    }
  }
  return {
    from: `"${schema}".records b`,
    where: [modelIs('b.model', models, p)],
    uid: 'b.uid',
    model: 'b.model',
    decided: null,
    sorted: false,
  };
}

/** A condition on the record whose uid is `uid`, as SQL over correlated index lookups. */
function conditionSql(schema: string, condition: Condition, uid: string, p: Params): string {
  switch (condition.op) {
    case 'and':
    case 'or': {
      if (condition.conditions.length === 0) return condition.op === 'and' ? 'TRUE' : 'FALSE';
      const parts = condition.conditions.map((item) => conditionSql(schema, item, uid, p));
      return `(${parts.join(condition.op === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'has':
      return `EXISTS (SELECT 1 FROM "${schema}".links l WHERE l.source = ${uid} AND l.field = ${p.bind(escapeText(condition.field), 'text')} AND l.target = ${p.bind(escapeText(condition.target), 'text')})`;
    case 'exists':
      return `${condition.exists ? '' : 'NOT '}EXISTS (SELECT 1 FROM ${table(schema)} q WHERE q.uid = ${uid} AND q.field = ${p.bind(escapeText(condition.field), 'text')})`;
    default: {
      const negated = condition.op === 'ne' || condition.op === 'nin';
      const field = p.bind(escapeText(condition.field), 'text');
      const leaf = leafSql(condition, 'q', p);
      return `${negated ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table(schema)} q WHERE q.uid = ${uid} AND q.field = ${field} AND ${leaf})`;
    }
  }
}

function remaining(plan: CountPlan, base: Base): Condition | null {
  if (base.decided === null) return plan.where;
  const rest = topLevel(plan.where).filter((condition) => condition !== base.decided);
  return rest.length === 0 ? null : rest.length === 1 ? rest[0]! : { op: 'and', conditions: rest };
}

/** A sort value as bound: booleans as 0/1 (as `n` holds them), strings escaped. */
function bindSort(p: Params, value: string | number | boolean): string {
  if (typeof value === 'string') return p.bind(escapeText(value), 'text');
  return p.bind(typeof value === 'boolean' ? (value ? 1 : 0) : value, 'float8');
}

const columnOf = (key: SortKey) => (key.kind === 'string' ? 's' : 'n');

/** The SELECT of a query plan: keys in the plan's order, after its position, at most its limit. */
export function postgresQuerySql(schema: string, plan: QueryPlan): SqlText {
  const p = new Params();
  const base = chooseBase(schema, plan, p);
  const joins: string[] = [];
  const keys = plan.orderBy.map((key, index) => {
    if (index === 0 && base.sorted) return `b.${columnOf(key)}`;
    const alias = `s${index}`;
    joins.push(
      `LEFT JOIN ${table(schema)} ${alias} ON ${alias}.uid = ${base.uid} AND ${alias}.field = ${p.bind(escapeText(key.field), 'text')} AND ${alias}.t = ${TAG[key.kind]}`,
    );
    return `${alias}.${columnOf(key)}`;
  });
  const where = [...base.where];
  const rest = remaining(plan, base);
  if (rest !== null) where.push(conditionSql(schema, rest, base.uid, p));
  if (plan.after !== null) where.push(keysetSql(plan, keys, base, p));
  // PostgreSQL sorts NULL (a missing value) last ascending and first descending, as the plan asks.
  const order: string[] = [];
  plan.orderBy.forEach((key, index) => {
    const direction = key.direction.toUpperCase();
    // Strings sort by their indexed prefix first, so that the index can give the order.
    if (key.kind === 'string') order.push(`left(${keys[index]}, ${PREFIX}) ${direction}`);
    order.push(`${keys[index]} ${direction}`);
  });
  order.push(`${base.uid} ${plan.uidDirection.toUpperCase()}`);
  let text = `SELECT ${base.uid} AS uid, ${base.model} AS model FROM ${base.from} ${joins.join(' ')} WHERE ${where.join(' AND ')} ORDER BY ${order.join(', ')}`;
  if (plan.limit !== null) text += ` LIMIT ${p.bind(plan.limit, 'int')}`;
  return { text, params: p.values };
}

/** The records strictly after the plan's keyset position (a missing value counts as the greatest). */
function keysetSql(plan: QueryPlan, keys: readonly string[], base: Base, p: Params): string {
  const after = plan.after!;
  const uid = base.uid;
  const uidOp = plan.uidDirection === 'asc' ? '>' : '<';
  const first = plan.orderBy[0];
  if (base.sorted && first && after.values[0] !== null && after.values[0] !== undefined) {
    // Index rows of the sort key only: one row comparison, which the index can seek to.
    const op = first.direction === 'asc' ? '>' : '<';
    const value = after.values[0];
    const position = p.bind(escapeText(after.uid), 'text');
    if (first.kind === 'number') return `(${keys[0]}, ${uid}) ${op} (${bindSort(p, value)}, ${position})`;
    const bound = bindSort(p, value);
    return `left(${keys[0]}, ${PREFIX}) ${op}= left(${bound}, ${PREFIX}) AND (${keys[0]}, ${uid}) ${op} (${bound}, ${position})`;
  }
  const alternatives: string[] = [];
  const equalSoFar: string[] = [];
  plan.orderBy.forEach((key, index) => {
    const value = after.values[index] ?? null;
    const k = keys[index]!;
    let beyond: string | null;
    if (key.direction === 'asc')
      beyond = value === null ? null : `(${k} IS NULL OR ${k} > ${bindSort(p, value)})`;
    else beyond = value === null ? `${k} IS NOT NULL` : `${k} < ${bindSort(p, value)}`;
    if (beyond !== null) alternatives.push([...equalSoFar, beyond].join(' AND '));
    equalSoFar.push(value === null ? `${k} IS NULL` : `${k} = ${bindSort(p, value)}`);
  });
  alternatives.push(
    [...equalSoFar, `${uid} ${uidOp} ${p.bind(escapeText(after.uid), 'text')}`].join(' AND '),
  );
  return `(${alternatives.map((alternative) => `(${alternative})`).join(' OR ')})`;
}

/** The COUNT of a plan. */
export function postgresCountSql(schema: string, plan: CountPlan): SqlText {
  const p = new Params();
  const base = chooseBase(schema, plan, p);
  const where = [...base.where];
  const rest = remaining(plan, base);
  if (rest !== null) where.push(conditionSql(schema, rest, base.uid, p));
  return {
    text: `SELECT count(*)::int AS n FROM ${base.from} WHERE ${where.join(' AND ')}`,
    params: p.values,
  };
}

/** Runs a plan: the keys, unescaped. */
export async function runQuery(
  run: (text: string, params: unknown[]) => Promise<{ uid: string; model: string }[]>,
  schema: string,
  plan: QueryPlan,
): Promise<RecordKey[]> {
  if (plan.models.length === 0) return [];
  const { text, params } = postgresQuerySql(schema, plan);
  const rows = await run(text, params);
  return rows.map((row) => ({ uid: unescapeText(row.uid), model: unescapeText(row.model) }));
}

/** Runs the count of a plan. */
export async function runCount(
  run: (text: string, params: unknown[]) => Promise<{ n: number }[]>,
  schema: string,
  plan: CountPlan,
): Promise<number> {
  if (plan.models.length === 0) return 0;
  const { text, params } = postgresCountSql(schema, plan);
  const [row] = await run(text, params);
  return row?.n ?? 0;
}
