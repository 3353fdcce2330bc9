import type { JsonValue } from '../driver.js';
import type {
  Condition,
  KeysetPosition,
  NonNullJson,
  QueryPlan,
  Scalar,
  SortKey,
  ValueKind,
} from './plan.js';

// The semantics of query conditions and sort keys on JSON values, written once: the store's
// own evaluation and the memory store's indexes use these functions, and the SQL stores
// translate the same rules (docs/queries.md, "Semantics, the same on every store").

/**
 * The canonical JSON text of a value: object keys sorted (by code point), no spaces. Two
 * values are deep-equal, whatever the order of their keys, exactly when their canonical texts
 * are equal.
 */
export function canonicalJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort(compareStrings);
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
}

/**
 * Compares strings by Unicode code point (JavaScript's `<` compares UTF-16 code units, which
 * puts U+E000–U+FFFF after the astral planes). The same order as SQLite's BINARY collation
 * and PostgreSQL's "C" collation over UTF-8.
 */
export function compareStrings(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.charCodeAt(index);
    const y = b.charCodeAt(index);
    if (x === y) continue;
    return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

/** A UTF-16 unit moved so that surrogates (code points ≥ U+10000) rank above U+E000–U+FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

/** The number of code points of a string. */
export function codePointLength(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

/**
 * The least string greater than every string that starts with `prefix` (by code point), or
 * null when there is none. Lets an index find the strings with a prefix as a range.
 */
export function prefixUpperBound(prefix: string): string | null {
  let end = prefix.length;
  while (end > 0) {
    // The last code point of prefix[0, end): one unit, or a surrogate pair.
    const low = prefix.charCodeAt(end - 1);
    const pair = end >= 2 && low >= 0xdc00 && low <= 0xdfff && isHighSurrogate(prefix.charCodeAt(end - 2));
    const start = pair ? end - 2 : end - 1;
    const point = prefix.codePointAt(start)!;
    if (point === 0x10ffff) {
      end = start;
      continue;
    }
    const next = point === 0xd7ff ? 0xe000 : point + 1;
    return prefix.slice(0, start) + String.fromCodePoint(next);
  }
  return null;
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** The kind of a JSON value, as a condition sees it. */
export function kindOfValue(value: JsonValue | undefined): ValueKind | 'missing' {
  if (value === undefined || value === null) return 'missing';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'object';
}

/** Deep equality of two JSON values, independent of key order. */
export function jsonEquals(a: JsonValue | undefined, b: NonNullJson): boolean {
  if (a === undefined || a === null) return false;
  if (typeof b !== 'object') return a === b;
  if (typeof a !== 'object') return false;
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Answers whether record `uid` links to `target` under `field`: the store computes the
 * incoming links of each `$has` target once per query, then asks per record.
 */
export type HasLink = (field: string, target: string, uid: string) => boolean;

/** True when a record with `fields` (and `uid`) matches `condition`. */
export function matches(
  condition: Condition | null,
  uid: string,
  fields: Readonly<Record<string, JsonValue>>,
  hasLink: HasLink,
): boolean {
  if (condition === null) return true;
  switch (condition.op) {
    case 'and':
      return condition.conditions.every((item) => matches(item, uid, fields, hasLink));
    case 'or':
      return condition.conditions.some((item) => matches(item, uid, fields, hasLink));
    case 'has':
      return hasLink(condition.field, condition.target, uid);
    default:
      return matchesValue(condition, fieldValue(fields, condition.field));
  }
}

/** The value of a field, never one inherited from `Object.prototype`. */
export function fieldValue(
  fields: Readonly<Record<string, JsonValue>>,
  field: string,
): JsonValue | undefined {
  return Object.hasOwn(fields, field) ? fields[field] : undefined;
}

/** True when `value` (undefined when missing) satisfies one leaf condition on a static field. */
export function matchesValue(
  condition: Exclude<Condition, { op: 'and' | 'or' | 'has' }>,
  value: JsonValue | undefined,
): boolean {
  switch (condition.op) {
    case 'eq':
      return jsonEquals(value, condition.value);
    case 'ne':
      return !jsonEquals(value, condition.value);
    case 'in':
      return condition.values.some((item) => jsonEquals(value, item));
    case 'nin':
      return !condition.values.some((item) => jsonEquals(value, item));
    case 'exists':
      return (value !== undefined && value !== null) === condition.exists;
    case 'contains':
      return typeof value === 'string' && value.includes(condition.value);
    case 'startsWith':
      return typeof value === 'string' && value.startsWith(condition.value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const operand = condition.value;
      if (typeof value !== typeof operand) return false;
      const order =
        typeof operand === 'string' ? compareStrings(value as string, operand) : (value as number) - operand;
      if (condition.op === 'gt') return order > 0;
      if (condition.op === 'gte') return order >= 0;
      if (condition.op === 'lt') return order < 0;
      return order <= 0;
    }
  }
}

/** The sort value of a record for one key: null when missing or of another type than the key's. */
export function sortValue(fields: Readonly<Record<string, JsonValue>>, key: SortKey): Scalar | null {
  const value = fieldValue(fields, key.field);
  return typeof value === key.kind ? (value as Scalar) : null;
}

/** The sort values of a record for every key of a plan. */
export function sortValues(
  fields: Readonly<Record<string, JsonValue>>,
  keys: readonly SortKey[],
): (Scalar | null)[] {
  return keys.map((key) => sortValue(fields, key));
}

/** Ascending order of two sort values of one kind; null (missing) is greater than any value. */
export function compareSortValues(a: Scalar | null, b: Scalar | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'string') return compareStrings(a, b as string);
  if (typeof a === 'number') return a - (b as number);
  return Number(a) - Number(b);
}

/** An entry being sorted: its sort values and its uid. */
export interface SortEntry {
  readonly values: readonly (Scalar | null)[];
  readonly uid: string;
}

/** The order of a plan (sort keys, then uid), as a comparator. */
export function comparator(
  plan: Pick<QueryPlan, 'orderBy' | 'uidDirection'>,
): (a: SortEntry, b: SortEntry) => number {
  const keys = plan.orderBy;
  const uidSign = plan.uidDirection === 'desc' ? -1 : 1;
  return (a, b) => {
    for (let index = 0; index < keys.length; index++) {
      const order = compareSortValues(a.values[index]!, b.values[index]!);
      if (order !== 0) return keys[index]!.direction === 'desc' ? -order : order;
    }
    return uidSign * compareStrings(a.uid, b.uid);
  };
}

/** True when `entry` comes strictly after the keyset position `after` in the plan's order. */
export function isAfter(
  compare: (a: SortEntry, b: SortEntry) => number,
  entry: SortEntry,
  after: KeysetPosition | null,
): boolean {
  return after === null || compare(entry, after) > 0;
}

/**
 * The kind of the values a zod schema admits, read from its definition (`schema.def.type` in
 * zod 4). Wrappers that keep the value (optional, nullable, default, readonly…) are looked
 * through; anything the store cannot be sure of is `any`.
 */
export function valueKindOf(schema: unknown): ValueKind {
  if (typeof schema !== 'object' || schema === null) return 'any';
  let kind = kinds.get(schema);
  if (kind === undefined) {
    kind = kindOfSchema(schema, 0);
    kinds.set(schema, kind);
  }
  return kind;
}

/** The kind of each schema seen, computed once (every query asks for it). */
const kinds = new WeakMap<object, ValueKind>();

function kindOfSchema(schema: unknown, depth: number): ValueKind {
  const def = (schema as { def?: Record<string, unknown> } | null)?.def;
  if (!def || depth > 20) return 'any';
  switch (def.type) {
    case 'string':
    case 'template_literal':
      return 'string';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array':
    case 'tuple':
      return 'array';
    case 'object':
    case 'record':
      return 'object';
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return kindOfSchema(def.innerType, depth + 1);
    case 'pipe':
      return kindOfSchema(def.out, depth + 1);
    case 'literal':
      return kindOfAll((def.values as unknown[]) ?? []);
    case 'enum':
      return kindOfAll(Object.values((def.entries as Record<string, unknown>) ?? {}));
    case 'union': {
      const kinds = new Set(
        ((def.options as unknown[]) ?? []).map((option) => kindOfSchema(option, depth + 1)),
      );
      return kinds.size === 1 ? [...kinds][0]! : 'any';
    }
    default:
      return 'any';
  }
}

function kindOfAll(values: readonly unknown[]): ValueKind {
  const kinds = new Set(values.map((value) => (value === null ? 'null' : typeof value)));
  if (kinds.size !== 1) return 'any';
  const [kind] = kinds;
  return kind === 'string' || kind === 'number' || kind === 'boolean' ? kind : 'any';
}
