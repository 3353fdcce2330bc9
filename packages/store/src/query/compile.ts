import { type AnyStateModel, type FieldInfo, type ModelRegistry, ValidationError } from '@constelite/core';
import type { JsonValue } from '../driver.js';
import { decodeCursor, queryHash } from './cursor.js';
import {
  type Condition,
  type NonNullJson,
  QUERY_LIMIT_MAX,
  type QueryPlan,
  type SortKey,
  type ValueKind,
} from './plan.js';
import { canonicalJson, valueKindOf } from './values.js';

// The one check of a query (docs/queries.md): `where`, `orderBy`, `limit` and `cursor` as
// given by a typed caller or as JSON from a transport are checked against the model before
// anything reaches a driver, and turned into a plan. Every bad query is `VALIDATION_FAILED`
// naming the model, the field and the operator; nothing is ever silently dropped.

/** The most values `$in` and `$nin` take (each is a bound parameter of a SQL store). */
export const IN_VALUES_MAX = 1_000;
/** The most sort keys of one query. */
export const ORDER_BY_MAX = 8;
/** The deepest nesting of `$and`/`$or`. */
const NESTING_MAX = 16;

/** What a `$has` operand names: a record of this store, by uid (or guid). */
export interface HasTarget {
  uid: string | null;
  guid: string | null;
  /** The store uid the ref carries, if any. */
  store: string | null;
  /** The model the ref names, if any. */
  model: string | null;
}

/** What the check needs from the store. */
export interface CompileContext {
  readonly registry: ModelRegistry;
  /** The uid of the record a `$has` operand names (checking its store, resolving a guid). */
  resolveHas(target: HasTarget, where: string): Promise<string>;
}

/** The query as given: JSON or typed options (`model` already resolved). */
export interface QueryInput {
  where?: unknown;
  orderBy?: unknown;
  limit?: unknown;
  cursor?: unknown;
}

/** A checked query. */
export interface CompiledQuery {
  readonly model: AnyStateModel;
  readonly plan: QueryPlan;
  /** Ties cursors to this query (model, where, orderBy); empty unless the query is paged. */
  readonly hash: string;
}

/** Which method a query is for: it decides the name of the limit and its default. */
export interface CompileOptions {
  /** The method, for messages. */
  method: 'query' | 'queryPage' | 'count' | 'iterate';
  /** The name of the size option (`limit`, or `pageSize` for iterate). */
  limitName?: string;
  /** The size when none is given; null for no limit. */
  defaultLimit: number | null;
  /** Whether `cursor` is read. */
  paged: boolean;
}

const OPERATORS = new Set([
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$contains',
  '$startsWith',
  '$has',
]);

/** The operators each kind of static field accepts. */
const ALLOWED: Record<ValueKind, readonly string[]> = {
  string: ['$eq', '$ne', '$in', '$nin', '$exists', '$gt', '$gte', '$lt', '$lte', '$contains', '$startsWith'],
  number: ['$eq', '$ne', '$in', '$nin', '$exists', '$gt', '$gte', '$lt', '$lte'],
  boolean: ['$eq', '$ne', '$in', '$nin', '$exists'],
  array: ['$eq', '$ne', '$in', '$nin', '$exists'],
  object: ['$eq', '$ne', '$in', '$nin', '$exists'],
  any: ['$eq', '$ne', '$in', '$nin', '$exists', '$gt', '$gte', '$lt', '$lte', '$contains', '$startsWith'],
};

const KIND_NAMES: Record<ValueKind, string> = {
  string: 'a string field',
  number: 'a number field',
  boolean: 'a boolean field',
  array: 'a list field',
  object: 'an object field',
  any: 'a free-form field',
};

/** Checks a query against `model` and turns it into a plan. */
export async function compileQuery(
  ctx: CompileContext,
  model: AnyStateModel,
  input: QueryInput,
  options: CompileOptions,
): Promise<CompiledQuery> {
  const checker = new Checker(ctx, model, options.method);
  const where = await checker.where(input.where);
  const orderBy = checker.orderBy(input.orderBy);
  const limit = checker.limit(input.limit, options.limitName ?? 'limit', options.defaultLimit);
  // Only paged queries need the hash (it ties cursors to their query), so only they pay for it.
  const hash = options.paged
    ? queryHash(
        canonicalJson({
          m: model.modelName,
          w: where as unknown as JsonValue,
          o: orderBy.map((key) => [key.field, key.direction]),
        }),
      )
    : '';
  const cursor = options.paged ? input.cursor : undefined;
  const after =
    cursor === undefined || cursor === null ? null : decodeCursor(cursor, hash, orderBy, model.modelName);
  const uidDirection = orderBy.length > 0 ? orderBy[orderBy.length - 1]!.direction : 'asc';
  return {
    model,
    hash,
    plan: { models: ctx.registry.subModelNames(model), where, orderBy, uidDirection, after, limit },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

class Checker {
  constructor(
    private readonly ctx: CompileContext,
    private readonly model: AnyStateModel,
    private readonly method: string,
  ) {}

  fail(message: string, field: string | null, operator: string | null): ValidationError {
    const at = field === null ? '' : operator === null ? ` by '${field}'` : ` by '${field}' ${operator}`;
    return new ValidationError(`Cannot ${this.method} ${this.model.modelName}${at}: ${message}`, {
      extra: { model: this.model.modelName, field, operator },
    });
  }

  async where(where: unknown, depth = 0): Promise<Condition | null> {
    if (where === undefined || where === null) return null;
    const conditions = await this.conjunction(where, depth);
    if (conditions.length === 0) return null;
    return conditions.length === 1 ? conditions[0]! : { op: 'and', conditions };
  }

  async conjunction(where: unknown, depth: number): Promise<Condition[]> {
    if (!isPlainObject(where)) {
      const hint =
        typeof where === 'object' && where !== null && !Array.isArray(where)
          ? ` (an object with another prototype, as a '__proto__' key makes, is not accepted)`
          : '';
      throw this.fail(
        `where must be a plain object of conditions, received ${describe(where)}${hint}`,
        null,
        null,
      );
    }
    if (depth > NESTING_MAX) throw this.fail(`$and/$or nest deeper than ${NESTING_MAX} levels`, null, null);
    const out: Condition[] = [];
    for (const key of Object.keys(where)) {
      const value = where[key];
      if (value === undefined) continue;
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0)
          throw this.fail(
            `${key} takes a non-empty list of conditions, received ${describe(value)}`,
            null,
            key,
          );
        const parts: Condition[] = [];
        for (const item of value) {
          if (!isPlainObject(item))
            throw this.fail(
              `${key} takes a list of condition objects, received ${describe(item)}`,
              null,
              key,
            );
          const part = await this.conjunction(item, depth + 1);
          parts.push(part.length === 1 ? part[0]! : { op: 'and', conditions: part });
        }
        out.push(parts.length === 1 ? parts[0]! : { op: key === '$and' ? 'and' : 'or', conditions: parts });
        continue;
      }
      if (key.startsWith('$'))
        throw this.fail(`'${key}' is not an operator of where (use $and or $or, or a field name)`, null, key);
      out.push(await this.field(key, value));
    }
    return out;
  }

  async field(field: string, value: unknown): Promise<Condition> {
    const info: FieldInfo | undefined = Object.hasOwn(this.model.fields, field)
      ? this.model.fields[field]
      : undefined;
    if (!info) {
      const known = Object.keys(this.model.fields).join(', ');
      throw this.fail(`${this.model.modelName} has no field '${field}' (its fields: ${known})`, field, null);
    }
    switch (info.kind) {
      case 'static':
        return this.staticField(field, info.schema, value);
      case 'association':
      case 'aggregation':
      case 'composition':
        return this.relationship(field, info.target(), value);
      case 'dynamic':
      case 'backref':
        throw this.fail(
          `'${field}' is a ${info.kind} field; only static and relationship fields can be queried`,
          field,
          null,
        );
    }
  }

  async relationship(field: string, target: AnyStateModel, value: unknown): Promise<Condition> {
    if (!isPlainObject(value) || Object.keys(value).length !== 1 || !Object.hasOwn(value, '$has')) {
      const operator = isPlainObject(value)
        ? (Object.keys(value).find((key) => key !== '$has') ?? null)
        : null;
      throw this.fail(
        `'${field}' is a relationship field: it takes {$has: ref} only, received ${describe(value)}`,
        field,
        operator,
      );
    }
    const given = value.$has as Record<string, unknown> | null;
    const record = typeof given === 'object' && given !== null ? given.record : undefined;
    const has = {
      uid:
        typeof record === 'object' && record !== null && typeof (record as { uid?: unknown }).uid === 'string'
          ? ((record as { uid: string }).uid as string)
          : null,
      store: null as string | null,
      guid: typeof given?.guid === 'string' ? given.guid : null,
      model: typeof given?.state_model_name === 'string' ? given.state_model_name : null,
    };
    const store = (record as { store?: { uid?: unknown } } | null | undefined)?.store?.uid;
    if (typeof store === 'string') has.store = store;
    if (has.uid === null && has.guid === null)
      throw this.fail(`$has takes a ref to a record, received ${describe(given)}`, field, '$has');
    if (has.model !== null) {
      const named = this.ctx.registry.find(has.model);
      if (!named?.isSubModelOf(target))
        throw this.fail(
          `'${field}' links to ${target.modelName} records; the ref names a ${has.model}`,
          field,
          '$has',
        );
    }
    const uid = await this.ctx.resolveHas(has, `${this.method} ${this.model.modelName}.${field} $has`);
    return { op: 'has', field, target: uid };
  }

  staticField(field: string, schema: unknown, value: unknown): Condition {
    const kind = valueKindOf(schema);
    if (!isPlainObject(value) || !Object.keys(value).some((key) => key.startsWith('$'))) {
      return value === null
        ? { op: 'exists', field, exists: false }
        : this.equality(field, schema, value, '$eq', 'eq');
    }
    const keys = Object.keys(value);
    const plain = keys.find((key) => !key.startsWith('$'));
    if (plain !== undefined)
      throw this.fail(
        `the condition mixes operators with the key '${plain}'; to match an object whose keys start with '$', use {$eq: value}`,
        field,
        keys.find((key) => key.startsWith('$'))!,
      );
    const out: Condition[] = [];
    for (const operator of keys) {
      const operand = value[operator];
      if (operand === undefined) continue;
      if (!OPERATORS.has(operator)) throw this.fail(`'${operator}' is not an operator`, field, operator);
      if (operator === '$has')
        throw this.fail(`$has is for relationship fields; '${field}' is a static field`, field, operator);
      if (!ALLOWED[kind].includes(operator))
        throw this.fail(
          `${operator} is not allowed on ${KIND_NAMES[kind]} (allowed: ${ALLOWED[kind].join(', ')})`,
          field,
          operator,
        );
      out.push(this.operator(field, schema, kind, operator, operand));
    }
    if (out.length === 0) throw this.fail('the condition has no operator', field, null);
    return out.length === 1 ? out[0]! : { op: 'and', conditions: out };
  }

  operator(field: string, schema: unknown, kind: ValueKind, operator: string, operand: unknown): Condition {
    switch (operator) {
      case '$eq':
        return operand === null
          ? { op: 'exists', field, exists: false }
          : this.equality(field, schema, operand, operator, 'eq');
      case '$ne':
        return operand === null
          ? { op: 'exists', field, exists: true }
          : this.equality(field, schema, operand, operator, 'ne');
      case '$in':
      case '$nin': {
        if (!Array.isArray(operand))
          throw this.fail(
            `${operator} takes a list of values, received ${describe(operand)}`,
            field,
            operator,
          );
        if (operand.length > IN_VALUES_MAX)
          throw this.fail(
            `${operator} takes at most ${IN_VALUES_MAX} values, received ${operand.length}`,
            field,
            operator,
          );
        const values: NonNullJson[] = [];
        let withNull = false;
        for (const item of operand) {
          if (item === null) withNull = true;
          else values.push(this.value(field, schema, item, operator));
        }
        const positive = operator === '$in';
        const base: Condition = { op: positive ? 'in' : 'nin', field, values };
        if (!withNull) return values.length === 0 ? { op: positive ? 'or' : 'and', conditions: [] } : base;
        const missing: Condition = { op: 'exists', field, exists: !positive };
        if (values.length === 0) return missing;
        return { op: positive ? 'or' : 'and', conditions: [base, missing] };
      }
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte': {
        const ok =
          kind === 'number'
            ? typeof operand === 'number' && Number.isFinite(operand)
            : kind === 'string'
              ? typeof operand === 'string'
              : typeof operand === 'string' || (typeof operand === 'number' && Number.isFinite(operand));
        if (!ok)
          throw this.fail(
            `${operator} takes ${kind === 'any' ? 'a number or a string' : `a ${kind}`}, received ${describe(operand)}`,
            field,
            operator,
          );
        return {
          op: operator.slice(1) as 'gt' | 'gte' | 'lt' | 'lte',
          field,
          value: operand as string | number,
        };
      }
      case '$contains':
      case '$startsWith':
        if (typeof operand !== 'string')
          throw this.fail(`${operator} takes a string, received ${describe(operand)}`, field, operator);
        return { op: operator === '$contains' ? 'contains' : 'startsWith', field, value: operand };
      case '$exists':
        if (typeof operand !== 'boolean')
          throw this.fail(`$exists takes true or false, received ${describe(operand)}`, field, operator);
        return { op: 'exists', field, exists: operand };
      default:
        throw this.fail(`'${operator}' is not an operator`, field, operator);
    }
  }

  equality(field: string, schema: unknown, value: unknown, operator: string, op: 'eq' | 'ne'): Condition {
    return { op, field, value: this.value(field, schema, value, operator) };
  }

  /** An operand of equality: a valid value of the field, as the JSON the store would hold. */
  value(field: string, schema: unknown, value: unknown, operator: string): NonNullJson {
    let parsed: { success: boolean; data?: unknown; error?: { issues?: { message?: string }[] } };
    try {
      parsed = (schema as { safeParse(input: unknown): typeof parsed }).safeParse(value);
    } catch {
      parsed = { success: false };
    }
    if (!parsed.success) {
      const reason = parsed.error?.issues?.[0]?.message;
      throw this.fail(
        `${describe(value)} is not a value of the field${reason ? ` (${reason})` : ''}`,
        field,
        operator,
      );
    }
    let json: JsonValue | undefined;
    try {
      json = toJsonValue(parsed.data);
    } catch {
      json = undefined;
    }
    if (json === undefined || json === null)
      throw this.fail(`${describe(value)} is not a JSON value`, field, operator);
    return json;
  }

  orderBy(orderBy: unknown): SortKey[] {
    if (orderBy === undefined || orderBy === null) return [];
    if (!Array.isArray(orderBy))
      throw this.fail(
        `orderBy takes a list of {field, direction}, received ${describe(orderBy)}`,
        null,
        'orderBy',
      );
    if (orderBy.length > ORDER_BY_MAX)
      throw this.fail(`orderBy takes at most ${ORDER_BY_MAX} keys`, null, 'orderBy');
    const seen = new Set<string>();
    return orderBy.map((item): SortKey => {
      if (!isPlainObject(item) || typeof item.field !== 'string')
        throw this.fail(
          `each orderBy item is {field, direction?}, received ${describe(item)}`,
          null,
          'orderBy',
        );
      const extra = Object.keys(item).find((key) => key !== 'field' && key !== 'direction');
      if (extra !== undefined)
        throw this.fail(
          `orderBy items have no key '${extra}' (only field and direction)`,
          item.field,
          'orderBy',
        );
      const field = item.field;
      const direction = item.direction ?? 'asc';
      if (direction !== 'asc' && direction !== 'desc')
        throw this.fail(`direction is 'asc' or 'desc', received ${describe(direction)}`, field, 'orderBy');
      const info = Object.hasOwn(this.model.fields, field) ? this.model.fields[field] : undefined;
      if (!info)
        throw this.fail(`${this.model.modelName} has no field '${field}' to sort by`, field, 'orderBy');
      if (info.kind !== 'static')
        throw this.fail(
          `'${field}' is a ${info.kind} field; only static string, number and boolean fields can be sorted by`,
          field,
          'orderBy',
        );
      const kind = valueKindOf(info.schema);
      if (kind !== 'string' && kind !== 'number' && kind !== 'boolean')
        throw this.fail(
          `'${field}' is ${KIND_NAMES[kind]}; only string, number and boolean fields can be sorted by`,
          field,
          'orderBy',
        );
      if (seen.has(field)) throw this.fail(`'${field}' is listed twice`, field, 'orderBy');
      seen.add(field);
      return { field, direction, kind };
    });
  }

  limit(limit: unknown, name: string, fallback: number | null): number | null {
    if (limit === undefined || limit === null) return fallback;
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > QUERY_LIMIT_MAX)
      throw this.fail(
        `${name} must be a whole number from 1 to ${QUERY_LIMIT_MAX}, received ${describe(limit)}`,
        name,
        null,
      );
    return limit;
  }
}

/** Plain JSON of a parsed value (refs and class instances become their JSON form). */
function toJsonValue(value: unknown): JsonValue | undefined {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return undefined;
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? value
      : undefined;
  }
  const text = JSON.stringify(value);
  return text === undefined ? undefined : (JSON.parse(text) as JsonValue);
}
