import type { BackrefField, DynamicField, RelationshipField } from './fields.js';
import type { AnyStateModel, StateModel, StateOf } from './model.js';
import type { Ref, RefTo } from './ref.js';

/** The largest `limit` (and `pageSize`) a query takes. */
export const QUERY_LIMIT_MAX = 10_000;

/** A JSON value as stored and compared. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// The typed query language of `Store.query`, `queryPage`, `count` and `iterate` and of the
// client's methods of the same names; it lives in core so that a client-only install has it
// (docs/queries.md). With a model, `where` and `orderBy` are typed from its fields: operators
// allowed by each field's type, operands of that type. With a model name (as over HTTP), they
// are plain JSON and the store checks them at run time against the same rules.

type ShapeOf<M> = M extends StateModel<string, infer S> ? S : never;
type IsAny<T> = 0 extends 1 & T ? true : false;
type IsUnknown<T> = unknown extends T ? (IsAny<T> extends true ? false : true) : false;

type StaticKeys<S> = {
  [K in keyof S & string]: S[K] extends RelationshipField | BackrefField | DynamicField ? never : K;
}[keyof S & string];
type RelationshipKeys<S> = {
  [K in keyof S & string]: S[K] extends RelationshipField ? K : never;
}[keyof S & string];
type FieldType<M, K> = K extends keyof StateOf<M> ? Exclude<StateOf<M>[K], undefined | null> : never;

/** Conditions every static field accepts. */
export interface EqualityOperators<T> {
  /** Deep equality (independent of key order); `null` matches a missing value. */
  $eq?: T | null;
  /** Not deep-equal: also matches a missing value; `$ne: null` matches any present value. */
  $ne?: T | null;
  /** Deep-equal to one of the values (`null` in the list matches a missing value). */
  $in?: readonly (T | null)[];
  /** Deep-equal to none of the values: also matches a missing value unless `null` is listed. */
  $nin?: readonly (T | null)[];
  /** `true`: the field has a value; `false`: it is absent (or null). */
  $exists?: boolean;
}

/** Ordered comparisons: numbers as numbers, strings by code point. Never match a missing value. */
export interface OrderedOperators<T> {
  $gt?: T;
  $gte?: T;
  $lt?: T;
  $lte?: T;
}

/** Substring conditions of string fields (case-sensitive). */
export interface StringOperators {
  $contains?: string;
  $startsWith?: string;
}

/** A condition on a relationship field: the records that link to `$has`. */
export interface RelationshipCondition {
  $has: Ref;
}

/** The condition a static field of type `T` accepts: a plain value (equality) or operators. */
export type FieldCondition<T> =
  IsUnknown<T> extends true
    ? JsonValue | (EqualityOperators<JsonValue> & OrderedOperators<string | number> & StringOperators)
    : [T] extends [string]
      ? T | (EqualityOperators<T> & OrderedOperators<string> & StringOperators)
      : [T] extends [number]
        ? T | (EqualityOperators<T> & OrderedOperators<number>)
        : T | EqualityOperators<T>;

/** `where` when the model is only known at run time (a model name, or any model). */
export type UntypedWhere = { readonly [field: string]: unknown };

/**
 * The `where` of a query on model `M`: each static field by value or operators, each
 * relationship field by `$has`, combined with `$and` and `$or`. Dynamic fields and backrefs
 * cannot be queried. All given conditions must hold.
 */
export type QueryWhere<M> = M extends AnyStateModel
  ? IsAny<ShapeOf<M>> extends true
    ? UntypedWhere
    : TypedWhere<M>
  : UntypedWhere;

type TypedWhere<M> = {
  [K in StaticKeys<ShapeOf<M>>]?: FieldCondition<FieldType<M, K>>;
} & {
  [K in RelationshipKeys<ShapeOf<M>>]?: RelationshipCondition;
} & {
  /** Every one of the conditions holds. */
  $and?: readonly TypedWhere<M>[];
  /** At least one of the conditions holds. */
  $or?: readonly TypedWhere<M>[];
};

/** The fields of `M` a query can sort by: static fields of string, number or boolean type. */
export type SortableField<M> = M extends AnyStateModel
  ? IsAny<ShapeOf<M>> extends true
    ? string
    : {
        [K in StaticKeys<ShapeOf<M>>]: IsUnknown<FieldType<M, K>> extends true
          ? never
          : [FieldType<M, K>] extends [string]
            ? K
            : [FieldType<M, K>] extends [number]
              ? K
              : [FieldType<M, K>] extends [boolean]
                ? K
                : never;
      }[StaticKeys<ShapeOf<M>>]
  : string;

/** One sort key. `direction` defaults to `asc`; a missing value sorts after every value in `asc`. */
export interface OrderByItem<F extends string = string> {
  field: F;
  direction?: 'asc' | 'desc';
}

/** The sort keys of a query, most significant first; ties are broken by uid. */
export type OrderBy<M = AnyStateModel> = readonly OrderByItem<SortableField<M>>[];

/** The ref a query returns for model `M`. */
export type QueryRef<M> = M extends AnyStateModel ? RefTo<StateOf<M>> : RefTo;

/** Arguments of `Store.query`. */
export interface QueryOptions<M extends AnyStateModel | string = AnyStateModel> {
  /** The model (or its name) whose records, sub-models included, are wanted. */
  model: M;
  /** The conditions the records must meet; absent means all records of the model. */
  where?: QueryWhere<M>;
  /** The order of the answer. Default: by uid. */
  orderBy?: OrderBy<M>;
  /** The most records to return: a positive integer up to `QUERY_LIMIT_MAX` (10,000). Default: all. */
  limit?: number;
  /** Return each record's state too. Default: false. */
  includeStates?: boolean;
}

/** Arguments of `Store.queryPage`. */
export interface QueryPageOptions<M extends AnyStateModel | string = AnyStateModel>
  extends Omit<QueryOptions<M>, 'limit'> {
  /** The page size: a positive integer up to `QUERY_LIMIT_MAX`. Default: `DEFAULT_PAGE_SIZE` (100). */
  limit?: number;
  /** The `nextCursor` of the previous page of the same query; absent or null for the first page. */
  cursor?: string | null;
}

/** One page of a query. */
export interface QueryPage<R = RefTo> {
  refs: R[];
  /** The cursor of the next page, or null when this page is the last. */
  nextCursor: string | null;
}

/** Arguments of `Store.count`. */
export interface CountOptions<M extends AnyStateModel | string = AnyStateModel> {
  model: M;
  where?: QueryWhere<M>;
}

/** Arguments of `Store.iterate`. */
export interface IterateOptions<M extends AnyStateModel | string = AnyStateModel>
  extends Omit<QueryOptions<M>, 'limit'> {
  /** How many records each read fetches: a positive integer up to `QUERY_LIMIT_MAX`. Default: 100. */
  pageSize?: number;
}
