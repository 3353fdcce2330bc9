import type { z } from 'zod';
import type { AnyStateModel } from './model.js';

/** The relationship kinds a field can have (docs/concepts.md, "Relationships"). */
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

/** How the store keeps a field of a kind. */
export type FieldStorage = 'value' | 'series' | 'links' | 'mirror';

/** The rules of one field kind, read by the model, the store and the API reference. */
export interface FieldKindRules {
  /** `value`: a JSON value of the record; `series`: time points of the record; `links`: links to other records; `mirror`: not stored, computed from other records' links. */
  readonly storage: FieldStorage;
  /** What a put does with the field: replace it, replace it and delete the members it drops, or ignore it. */
  readonly put: 'replace' | 'replace-and-delete-dropped' | 'ignore';
  /** What a patch does with the field: replace it, append to it, or ignore it. */
  readonly patch: 'replace' | 'append' | 'ignore';
  /** What deleting the owner does to the records the field links to. */
  readonly deleteOwner: 'keep-targets' | 'delete-targets' | 'nothing-linked';
  /** One line for docs and the API reference. */
  readonly summary: string;
}

/**
 * The table of field kinds (docs/concepts.md, "Field kinds"). Its type is a `Record` over every
 * kind, so a new kind does not compile until its rules are written here, and the exhaustive
 * switches over `FieldKind` elsewhere then point at every other place to change.
 */
export const fieldKinds: Record<FieldKind, FieldKindRules> = {
  static: {
    storage: 'value',
    put: 'replace',
    patch: 'replace',
    deleteOwner: 'nothing-linked',
    summary: 'A JSON value validated by its zod schema',
  },
  dynamic: {
    storage: 'series',
    put: 'replace',
    patch: 'append',
    deleteOwner: 'nothing-linked',
    summary:
      'A time series: PUT replaces it, PATCH appends points (a point of the same timestamp replaces the old one)',
  },
  association: {
    storage: 'links',
    put: 'replace',
    patch: 'replace',
    deleteOwner: 'keep-targets',
    summary: 'Links to independent records: PUT and PATCH replace the list',
  },
  aggregation: {
    storage: 'links',
    put: 'replace',
    patch: 'append',
    deleteOwner: 'keep-targets',
    summary: 'A collection of independent members: PUT replaces the list, PATCH appends',
  },
  composition: {
    storage: 'links',
    put: 'replace-and-delete-dropped',
    patch: 'append',
    deleteOwner: 'delete-targets',
    summary:
      'Members that cannot exist without the owner: PATCH appends, PUT replaces and deletes dropped members, deleting the owner deletes its members',
  },
  backref: {
    storage: 'mirror',
    put: 'ignore',
    patch: 'ignore',
    deleteOwner: 'nothing-linked',
    summary: "A read-only mirror of another model's relationship field, kept by the store",
  },
};

/** True for the kinds that link to other records (association, aggregation, composition). */
export function isRelationshipKind(kind: FieldKind): kind is RelationshipKind {
  return fieldKinds[kind].storage === 'links';
}

/** For the `default` branch of an exhaustive switch: the compiler proves it unreachable. */
export function unreachable(value: never, what: string): never {
  throw new Error(`Unhandled ${what}: ${String(value)}`);
}
