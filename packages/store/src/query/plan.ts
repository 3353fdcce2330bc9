// The checked form of a query that `Store` evaluates and that a driver may evaluate natively
// (`StorageTransaction.queryNative` / `countNative`). Every field name in a plan has been
// checked against the model, every operand against the field's type; the semantics are in
// docs/queries.md and are the same wherever a plan is evaluated.

/** The most records one call of `query`, `queryPage` or one page of `iterate` may ask for (10,000; defined with the query types in core). */
export { QUERY_LIMIT_MAX } from '@constelite/core/query';
/** The page size of `queryPage` and `iterate` when none is given. */
export const DEFAULT_PAGE_SIZE = 100;

/**
 * What a static field holds, read from its zod schema: `any` for free-form fields
 * (`z.unknown()`, unions of several types, transforms), whose values may be of any JSON type.
 */
export type ValueKind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'any';

/** The kinds a query can sort by. */
export type SortKind = 'string' | 'number' | 'boolean';

/** A scalar a comparison or a sort key holds. */
export type Scalar = string | number | boolean;

/**
 * One condition of a plan. Comparisons and `eq`/`in` never match a missing value; `ne`/`nin`
 * are their negations and so do match it. A field holding `null` counts as missing.
 */
export type Condition =
  | { readonly op: 'and' | 'or'; readonly conditions: readonly Condition[] }
  /** Deep equality, independent of key order; numbers compare as numbers. */
  | { readonly op: 'eq' | 'ne'; readonly field: string; readonly value: NonNullJson }
  /** Ordered comparison with an operand of the same type (a string is never compared with a number). */
  | { readonly op: 'gt' | 'gte' | 'lt' | 'lte'; readonly field: string; readonly value: string | number }
  /** Deep equality with one of `values` (never empty). */
  | { readonly op: 'in' | 'nin'; readonly field: string; readonly values: readonly NonNullJson[] }
  /** The field holds a value (`exists: true`) or is missing. */
  | { readonly op: 'exists'; readonly field: string; readonly exists: boolean }
  /** A string value containing / starting with `value` (case-sensitive, by code point). */
  | { readonly op: 'contains' | 'startsWith'; readonly field: string; readonly value: string }
  /** The relationship field links to the record `target` (a uid of this store). */
  | { readonly op: 'has'; readonly field: string; readonly target: string };

/**
 * A JSON value other than null. (The same values as `JsonValue` of driver.ts, written here so
 * that the contract can import the plan without a cycle.)
 */
export type NonNullJson =
  | string
  | number
  | boolean
  | (NonNullJson | null)[]
  | { [key: string]: NonNullJson | null };

/** One sort key: a static field of `kind`; a value of another type sorts as missing. */
export interface SortKey {
  readonly field: string;
  readonly direction: 'asc' | 'desc';
  readonly kind: SortKind;
}

/**
 * A keyset position: the sort values of the last record of the previous page (null where it
 * had none) and its uid. The next page starts strictly after it.
 */
export interface KeysetPosition {
  readonly values: readonly (Scalar | null)[];
  readonly uid: string;
}

/** What `countNative` receives. */
export interface CountPlan {
  /** The model names whose records are wanted (the queried model and its sub-models). */
  readonly models: readonly string[];
  /** The condition; null matches every record of `models`. */
  readonly where: Condition | null;
}

/**
 * What `queryNative` receives. The answer is the keys of the matching records in the order of
 * `orderBy`, then by uid (ascending, or descending when the last sort key is descending), each
 * missing sort value counting as greater than any value; only records after `after`; at most
 * `limit` of them.
 */
export interface QueryPlan extends CountPlan {
  readonly orderBy: readonly SortKey[];
  /** The direction of the uid that breaks ties: that of the last sort key, `asc` without one. */
  readonly uidDirection: 'asc' | 'desc';
  readonly after: KeysetPosition | null;
  /** The most keys to return; null for all of them. */
  readonly limit: number | null;
}
