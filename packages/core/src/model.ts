import { z } from 'zod';
import { ValidationError } from './errors.js';
import {
  BackrefField,
  DynamicField,
  type FieldDefinition,
  type FieldInfo,
  RelationshipField,
  type TimeSeries,
  unreachable,
} from './fields.js';
import { assertJSONForm, type Decoder, jsonDecoder } from './json-form.js';
import { type AnyState, isRef, Ref, type RefJSON, type RefTo, recordFromJSON } from './ref.js';
import { defaultRegistry, type ModelRegistry } from './registry.js';
import { formatIssues, issuesJSON, refSchema } from './wire/schemas.js';

/** The field definitions of a state model. */
export type Shape = Record<string, FieldDefinition>;

type ValueOf<F> =
  F extends RelationshipField<infer _K, infer M>
    ? RefTo<StateOf<M>>[]
    : F extends BackrefField<infer M>
      ? RefTo<StateOf<M>>[]
      : F extends DynamicField<infer V>
        ? TimeSeries<z.output<V>>
        : F extends z.ZodType
          ? Exclude<z.output<F>, null | undefined>
          : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The state of a model named `N` with fields `S`: every field optional. */
export type State<N extends string, S extends Shape> = Simplify<
  { model_name: N } & { [K in keyof S]?: ValueOf<S[K]> }
>;

type InputOf<F> = F extends RelationshipField | BackrefField
  ? (Ref | RefJSON)[] | null
  : F extends DynamicField<infer V>
    ? TimeSeries<z.input<V>> | null
    : F extends z.ZodType
      ? z.input<F> | null
      : never;

/** What a model accepts: every field optional, `null` meaning "not given". */
export type StateInput<S extends Shape> = { model_name?: string } & { [K in keyof S]?: InputOf<S[K]> };

type RelationshipTarget<F> = F extends RelationshipField<infer _K, infer M> ? M : never;
type StateOfRef<R> = R extends Ref<infer St> ? St : R extends RefJSON<infer St> ? St : never;

/**
 * Whether a ref to a state `St` may be a member of a relationship to `M`: a ref to `M` itself,
 * to a sub-model of it (which has every field of `M`), or an untyped ref (`Ref`, `RefJSON`),
 * which the model checks when called. A target typed `AnyStateModel` accepts every ref.
 */
type RefFits<M extends AnyStateModel, St> = string extends keyof StateOf<M>
  ? true
  : string extends St['model_name' & keyof St]
    ? true
    : [Exclude<keyof StateOf<M>, keyof St>] extends [never]
      ? true
      : false;

/** The model names of the refs in the union `R` that may not be members of a relationship to `M`. */
type MisfitNames<M extends AnyStateModel, R> = R extends unknown
  ? RefFits<M, StateOfRef<R>> extends true
    ? never
    : StateOfRef<R>['model_name' & keyof StateOfRef<R>] & string
  : never;

type CheckedField<F, V> = [RelationshipTarget<F>] extends [never]
  ? unknown
  : V extends readonly (infer R)[]
    ? [MisfitNames<RelationshipTarget<F>, R>] extends [never]
      ? unknown
      : {
          error: `a ref to a ${MisfitNames<RelationshipTarget<F>, R>} is not a ${RelationshipTarget<F>['modelName']}`;
        }[]
    : unknown;

/**
 * The compile-time checks of a model's input `I` beyond `StateInput`: a relationship member
 * must be a ref to the field's model (or a sub-model), so `Experiment({ samples: [plateRef] })`
 * does not compile; a field the model does not define is an error naming it. A state of
 * another model (a sub-model's, whose `model_name` names it) keeps its extra fields.
 */
export type CheckedInput<N extends string, S extends Shape, I> = string extends keyof I
  ? unknown
  : {
      [K in keyof I]: K extends keyof S
        ? CheckedField<S[K], I[K]>
        : K extends 'model_name'
          ? unknown
          : I extends { model_name: infer G extends string }
            ? G extends N
              ? `${N} has no field '${K & string}'`
              : unknown
            : `${N} has no field '${K & string}'`;
    };

/** The state type of a model: `type Cat = StateOf<typeof Cat>`. */
export type StateOf<M> = M extends StateModel<infer N, infer S> ? State<N, S> : AnyState;

/** Shape of `S` extended (and overridden) by `E`. */
export type Extended<S extends Shape, E extends Shape> = Simplify<Omit<S, keyof E> & E>;

/** A named, zod-validated record shape. Call it to build a validated state: `Cat({ name: 'Snowball' })`. */
export interface StateModel<N extends string = string, S extends Shape = Shape> {
  <I extends StateInput<S> = StateInput<S>>(input?: I & CheckedInput<N, S, I>): State<N, S>;
  /** The model's name, carried by its states as `model_name`. */
  readonly modelName: N;
  /** The field definitions, as written. */
  readonly shape: S;
  /** The kind of each field. */
  readonly fields: Readonly<Record<string, FieldInfo>>;
  /** The model this one extends, if any. */
  readonly parent: AnyStateModel | null;
  /** The registry the model was registered in. */
  readonly registry: ModelRegistry;
  /** A zod schema of the model's state (JSON in, state out), for use as a nested value or in protocol signatures. */
  readonly schema: z.ZodType<State<N, S>, unknown>;
  /**
   * Validates `input` (JSON or state) as a state of this model; throws `ValidationError` naming
   * model and field. Unknown fields are an error unless `unknownFields: 'strip'` drops them.
   */
  parse(input: unknown, options?: ParseOptions): State<N, S>;
  /**
   * Turns the JSON form of a state (as a store keeps it and a wire carries it) into its values,
   * without validating: dates come back as `Date`s (docs/concepts.md, "Models and states").
   */
  fromJSON(json: Record<string, unknown>): State<N, S>;
  /** A sub-model named `name` with the fields of this model plus `shape`. */
  extend<N2 extends string, E extends Shape>(name: N2, shape: E): StateModel<N2, Extended<S, E>>;
  /** True when this model is `other` or extends it. */
  isSubModelOf(other: AnyStateModel): boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: the widest model type must accept every shape
export type AnyStateModel = StateModel<string, any>;

/** Options of `StateModel.parse`. */
export interface ParseOptions {
  /**
   * What to do with fields the model does not define: `'reject'` (default) fails validation,
   * `'strip'` drops them (for reading answers of a server whose model has grown).
   */
  unknownFields?: 'reject' | 'strip';
}

export interface StateModelOptions {
  /** The registry to register the model in (default: the global registry). */
  registry?: ModelRegistry;
  /** Internal: the model being extended. */
  parent?: AnyStateModel;
}

/**
 * How the parse running now treats fields a model does not define. `parse(json, {
 * unknownFields })` sets it for its whole run, so the states nested in the one parsed (values
 * of a sub-model, states of refs in relationship lists) follow the outermost parse. Parsing is
 * synchronous, so no other parse runs in between.
 */
let unknownFieldsNow: 'reject' | 'strip' = 'reject';

function refListSchema(info: { target: () => AnyStateModel }, registry: ModelRegistry) {
  const item = z.unknown().transform((value, ctx): Ref => {
    if (isRef(value)) return value;
    const parsed = refSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
      return z.NEVER;
    }
    const json = parsed.data;
    return new Ref({
      record: json.record ? recordFromJSON(json.record) : null,
      guid: json.guid ?? null,
      state: json.state ? registry.resolveState(json.state, { unknownFields: unknownFieldsNow }) : null,
      state_model_name: json.state_model_name,
    });
  });
  return z.array(item).superRefine((refs, ctx) => {
    const target = info.target();
    refs.forEach((r, index) => {
      const model = registry.find(r.state_model_name);
      if (!model) {
        ctx.addIssue({ code: 'custom', path: [index], message: `unknown model '${r.state_model_name}'` });
      } else if (!model.isSubModelOf(target)) {
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `a ref to a ${r.state_model_name} is not a ${target.modelName}`,
        });
      }
    });
  });
}

function fieldInfo(definition: FieldDefinition): FieldInfo {
  if (definition instanceof RelationshipField) return { kind: definition.kind, target: definition.target };
  if (definition instanceof BackrefField)
    return { kind: 'backref', target: definition.target, field: definition.field };
  if (definition instanceof DynamicField) {
    const schema = z.object({
      points: z.array(z.object({ timestamp: z.number(), value: definition.value })),
    });
    return { kind: 'dynamic', schema };
  }
  return { kind: 'static', schema: definition };
}

/** The zod schema of a field's value in a state, by kind (docs/architecture.md, "Adding a field kind"). */
function fieldSchema(info: FieldInfo, registry: ModelRegistry): z.ZodType {
  switch (info.kind) {
    case 'static':
    case 'dynamic':
      return info.schema;
    case 'association':
    case 'aggregation':
    case 'composition':
    case 'backref':
      return refListSchema(info, registry);
    default:
      return unreachable(info, 'field kind');
  }
}

/**
 * Defines a state model: `const Cat = stateModel('Cat', { name: z.string() })`.
 * Every field is optional; `null` and absent both mean "not given".
 */
export function stateModel<N extends string, S extends Shape>(
  name: N,
  shape: S,
  options: StateModelOptions = {},
): StateModel<N, S> {
  const registry = options.registry ?? options.parent?.registry ?? defaultRegistry;
  const parent = options.parent ?? null;
  const fields: Record<string, FieldInfo> = {};
  const decoders: [string, Decoder][] = [];
  const objectShape: Record<string, z.ZodType> = { model_name: z.string().optional() };
  for (const [field, definition] of Object.entries(shape)) {
    if (field === 'model_name')
      throw new ValidationError(`Model ${name} cannot define a field named 'model_name'`);
    const info = fieldInfo(definition);
    if (info.kind === 'static' || info.kind === 'dynamic') {
      assertJSONForm(info.schema, name, field);
      const decode = jsonDecoder(info.schema);
      if (decode) decoders.push([field, decode]);
    }
    fields[field] = info;
    objectShape[field] = fieldSchema(info, registry).nullish();
  }
  const strictSchema = z.strictObject(objectShape);
  const strippingSchema = z.object(objectShape);

  const schema = z.unknown().transform((input, ctx) => {
    const result = parseWith(input);
    if (!result.success) {
      for (const issue of result.error.issues)
        ctx.addIssue({ ...issue, code: 'custom', message: issue.message });
      return z.NEVER;
    }
    return result.data;
  }) as unknown as z.ZodType<State<N, S>, unknown>;

  function parseWith(
    input: unknown,
    options: ParseOptions = {},
  ): { success: true; data: State<N, S> } | { success: false; error: z.ZodError } {
    let given = input;
    if (typeof given === 'object' && given !== null && !Array.isArray(given) && !isRef(given)) {
      const givenName = (given as { model_name?: unknown }).model_name;
      if (givenName !== undefined && givenName !== null && givenName !== name) {
        // A place that accepts this model accepts its sub-models: the state resolves to the sub-model.
        const sub = typeof givenName === 'string' ? registry.find(givenName) : undefined;
        if (sub && sub !== model && sub.isSubModelOf(model)) {
          try {
            return { success: true, data: sub.parse(given, options) as unknown as State<N, S> };
          } catch (error) {
            const issues = (error as { extra?: { issues?: { path: PropertyKey[]; message: string }[] } })
              .extra?.issues ?? [{ path: [], message: String(error) }];
            return {
              success: false,
              error: new z.ZodError(
                issues.map((issue) => ({
                  code: 'custom',
                  path: issue.path,
                  message: issue.message,
                  input: given,
                })),
              ),
            };
          }
        }
        return {
          success: false as const,
          error: new z.ZodError([
            {
              code: 'custom',
              path: ['model_name'],
              message: `expected '${name}' (or a sub-model of it), received '${String(givenName)}'`,
              input: givenName,
            },
          ]),
        };
      }
      given = dropUnknownNulls(given as Record<string, unknown>, objectShape);
      if (decoders.length > 0) given = fromJSON(given as Record<string, unknown>);
    }
    const objectSchema =
      (options.unknownFields ?? unknownFieldsNow) === 'strip' ? strippingSchema : strictSchema;
    const result = objectSchema.safeParse(given);
    if (!result.success) return result;
    const state: AnyState = { model_name: name };
    const data = result.data as Record<string, unknown>;
    // (for…in over zod's own output object: no array of entries to allocate)
    for (const field in data) {
      if (field === 'model_name' || !Object.hasOwn(data, field)) continue;
      const value = data[field];
      if (value !== null && value !== undefined) state[field] = value;
    }
    return { success: true as const, data: state as State<N, S> };
  }

  function parse(input: unknown, options?: ParseOptions): State<N, S> {
    const outer = unknownFieldsNow;
    if (options?.unknownFields) unknownFieldsNow = options.unknownFields;
    let result: ReturnType<typeof parseWith>;
    try {
      result = parseWith(input ?? {}, options);
    } finally {
      unknownFieldsNow = outer;
    }
    if (!result.success) {
      throw new ValidationError(`Invalid ${name} state: ${formatIssues(result.error)}`, {
        extra: { model: name, issues: issuesJSON(result.error) },
      });
    }
    ParsedStamp.set(result.data, snapshot(result.data));
    return result.data;
  }

  function fromJSON(json: Record<string, unknown>): State<N, S> {
    if (decoders.length === 0) return json as State<N, S>;
    let out: Record<string, unknown> | null = null;
    for (const [field, decode] of decoders) {
      if (!Object.hasOwn(json, field) || json[field] === null || json[field] === undefined) continue;
      out ??= { ...json };
      out[field] = decode(json[field]);
    }
    return (out ?? json) as State<N, S>;
  }

  const model = ((input?: StateInput<S>) => parse(input ?? {})) as StateModel<N, S>;
  Object.defineProperty(model, 'name', { value: name });
  Object.assign(model, {
    modelName: name,
    shape,
    fields,
    parent,
    registry,
    schema,
    parse,
    fromJSON,
    extend<N2 extends string, E extends Shape>(childName: N2, extra: E) {
      return stateModel(childName, { ...shape, ...extra } as unknown as Extended<S, E>, {
        registry,
        parent: model,
      });
    },
    isSubModelOf(other: AnyStateModel) {
      for (let current: AnyStateModel | null = model; current; current = current.parent) {
        if (current === other || current.modelName === other.modelName) return true;
      }
      return false;
    },
  });
  registry.register(model);
  return model;
}

/** Returns the object it is given, so that a subclass can put a private field on any object. */
class Stamped {
  constructor(target: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the stamp goes on the given object
    return target;
  }
}

/**
 * The values a state had when a model produced it (see `isParsedState`), kept in a private
 * field on the state itself: no code outside this class can read, set or copy it (a spread,
 * `structuredClone` or JSON copy of the state has none), and, unlike a WeakMap entry, it costs
 * the garbage collector nothing extra (ephemeron entries made a WeakMap set cost more than
 * the whole zod parse of a small state).
 */
class ParsedStamp extends Stamped {
  #values: unknown[];

  private constructor(state: object, values: unknown[]) {
    super(state);
    this.#values = values;
  }

  static set(state: object, values: unknown[]): void {
    // (a sub-model's parse stamped it already when an outer parse resolved to the sub-model)
    if (#values in state) (state as ParsedStamp).#values = values;
    else new ParsedStamp(state, values);
  }

  static get(state: object): unknown[] | undefined {
    return #values in state ? (state as ParsedStamp).#values : undefined;
  }
}

function snapshot(state: object): unknown[] {
  const values: unknown[] = [];
  for (const key in state) values.push(key, (state as Record<string, unknown>)[key]);
  return values;
}

/**
 * True when `state` is an object that a model's `parse` (or a call of the model) produced and
 * that still holds the values it was given then (a field set afterwards, also through a ref,
 * makes it a state to parse again), so it needs no second validation on its way into a store
 * (docs/architecture.md, "One validation pass"). A plain object from a caller is never such a state.
 */
export function isParsedState(state: unknown): state is AnyState {
  if (typeof state !== 'object' || state === null) return false;
  const before = ParsedStamp.get(state);
  if (!before) return false;
  let index = 0;
  for (const key in state) {
    if (before[index] !== key || before[index + 1] !== (state as Record<string, unknown>)[key]) return false;
    index += 2;
  }
  return index === before.length;
}

/**
 * An unknown field whose value is null is "not given" (the Python client sends every unset
 * field as null, also fields a newer model of its own has), so it is dropped before the strict
 * parse; an unknown field with a value is still an error.
 */
function dropUnknownNulls(
  input: Record<string, unknown>,
  known: Record<string, unknown>,
): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  // (for…in, not Object.keys: no array on every parse; inherited keys are no fields of it)
  for (const key in input) {
    if (input[key] === null && Object.hasOwn(input, key) && !Object.hasOwn(known, key)) {
      out ??= { ...input };
      delete out[key];
    }
  }
  return out ?? input;
}
