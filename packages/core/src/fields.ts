import type { z } from 'zod';
import type { AnyStateModel } from './model.js';

/** The relationship kinds a field can have (SPEC §2). */
export type RelationshipKind = 'association' | 'aggregation' | 'composition';
/** Every field kind. */
export type FieldKind = 'static' | 'dynamic' | RelationshipKind | 'backref';

/** A thunk returning the target model, so that a model can point at one declared later (or at itself). */
export type ModelThunk<M extends AnyStateModel = AnyStateModel> = () => M;

/** A list of refs to records of another model. Create it with `association`, `aggregation` or `composition`. */
export class RelationshipField<
  K extends RelationshipKind = RelationshipKind,
  M extends AnyStateModel = AnyStateModel,
> {
  constructor(
    readonly kind: K,
    readonly target: ModelThunk<M>,
  ) {}
}

/** A read-only mirror of another model's relationship field, kept by the store. */
export class BackrefField<M extends AnyStateModel = AnyStateModel> {
  readonly kind = 'backref' as const;
  constructor(
    readonly target: ModelThunk<M>,
    readonly field: string,
  ) {}
}

/** A time series `{points: [{timestamp, value}]}`: PUT replaces it, PATCH appends points. */
export class DynamicField<V extends z.ZodType = z.ZodType> {
  readonly kind = 'dynamic' as const;
  constructor(readonly value: V) {}
}

/** What a model's shape may hold for each field. */
export type FieldDefinition = z.ZodType | RelationshipField | BackrefField | DynamicField;

/**
 * Independent records: PUT and PATCH replace the list; deleting the owner leaves the targets.
 *
 * For two models that point at each other, give one of the thunks a return type
 * (`(): AnyStateModel => Cat`) so that TypeScript can infer both models.
 */
export function association<M extends AnyStateModel>(
  target: ModelThunk<M>,
): RelationshipField<'association', M> {
  return new RelationshipField('association', target);
}

/** A collection of independent members: PUT replaces the list, PATCH appends; deleting the owner leaves the members. */
export function aggregation<M extends AnyStateModel>(
  target: ModelThunk<M>,
): RelationshipField<'aggregation', M> {
  return new RelationshipField('aggregation', target);
}

/**
 * Members that cannot exist without the owner: PATCH appends; PUT replaces the list and deletes
 * dropped members; deleting the owner deletes its members recursively.
 */
export function composition<M extends AnyStateModel>(
  target: ModelThunk<M>,
): RelationshipField<'composition', M> {
  return new RelationshipField('composition', target);
}

/** A read-only mirror of `field` of the `target` model (e.g. `Human.cats` mirrors `Cat.carer`). Writes to it are ignored. */
export function backref<M extends AnyStateModel>(target: ModelThunk<M>, field: string): BackrefField<M> {
  return new BackrefField(target, field);
}

/** A time series field whose point values match `value`. */
export function dynamic<V extends z.ZodType>(value: V): DynamicField<V> {
  return new DynamicField(value);
}

/** One point of a dynamic field. */
export interface TimePoint<T = unknown> {
  /** Seconds since the epoch. */
  timestamp: number;
  value: T;
}

/** The value of a dynamic field. */
export interface TimeSeries<T = unknown> {
  points: TimePoint<T>[];
}

/** What a model knows about each of its fields at run time. */
export type FieldInfo =
  | { kind: 'static'; schema: z.ZodType }
  | { kind: 'dynamic'; schema: z.ZodType }
  | { kind: RelationshipKind; target: ModelThunk }
  | { kind: 'backref'; target: ModelThunk; field: string };
