import { ValidationError } from './errors.js';
import type { RecordJSON } from './wire/schemas.js';

// Node prints an object through this symbol; using it by name keeps core free of `node:util`,
// so it bundles for browsers and edge runtimes.
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/** A serialised state: any JSON object that carries its model's name. */
export interface AnyState {
  model_name: string;
  [field: string]: unknown;
}

/** The store a record lives in, as it travels on the wire. */
export interface StoreInfo {
  uid: string;
  name: string | null;
}

/** Where a record lives: its store, its uid there, and an optional URL. */
export interface StoreRecord {
  store: StoreInfo;
  uid: string;
  url: string | null;
}

/** The wire form of a ref (docs/concepts.md, "Refs"). */
export interface RefJSON<S extends AnyState = AnyState> {
  record: StoreRecord | null;
  guid: string | null;
  state: S | null;
  state_model_name: string;
  model_name: 'Ref';
}

/** A ref whose state fields can also be read and written through the ref itself (`rCat.name`). */
export type RefTo<S extends AnyState = AnyState> = Ref<S> &
  (string extends keyof S ? {} : { -readonly [K in Exclude<keyof S, keyof Ref>]?: S[K] });

export interface RefInit<S extends AnyState> {
  record?: StoreRecord | null;
  guid?: string | null;
  state?: S | null;
  state_model_name: string;
}

const ownKeys = new Set(['record', 'guid', 'state', 'state_model_name', 'model_name']);

/**
 * The key under which a ref's proxy gives its target. Module-private (no `Symbol.for`): no
 * other code can ask for it, or answer it. (A private field on the proxy would do too, but
 * adding one to a proxy costs more than all the traps it saves.)
 */
const targetKey = Symbol('Ref target');

/**
 * The `Ref` object behind `ref`'s field-access proxy (`ref` itself when it is no proxy of this
 * copy of core, such as a ref in its JSON form). Reading its fields runs no proxy trap, so a
 * store reads a ref it is given through it; field access by state field name (`ref.name`)
 * does not work on it, so it is for reading a ref's own fields, not for handing out.
 */
export function refTarget<R extends Ref>(ref: R): R {
  return ((ref as unknown as Record<symbol, R | undefined>)[targetKey] ?? ref) as R;
}

/**
 * A pointer to one record in one store, optionally carrying a (partial) state of the record.
 * Fields of the state can be read and written through the ref: `rCat.name = 'Snowball II'`.
 */
export class Ref<S extends AnyState = AnyState> {
  record: StoreRecord | null;
  guid: string | null;
  state: S | null;
  state_model_name: string;
  readonly model_name = 'Ref' as const;

  constructor(init: RefInit<S>) {
    this.record = init.record ?? null;
    this.guid = init.guid ?? null;
    this.state = init.state ?? null;
    this.state_model_name = init.state_model_name;
    // biome-ignore lint/correctness/noConstructorReturn: field access through the ref needs a proxy
    return new Proxy(this, refProxyHandler as ProxyHandler<this>);
  }

  /** The record's uid in its store. Throws when the ref has no record (it was never stored). */
  get uid(): string {
    if (!this.record) {
      throw new ValidationError(`Ref to a ${this.state_model_name} has no record, so it has no uid`, {
        extra: { model: this.state_model_name },
      });
    }
    return this.record.uid;
  }

  /** A copy of this ref without its state. */
  strip(): RefTo<S> {
    return new Ref<S>({
      record: this.record,
      guid: this.guid,
      state: null,
      state_model_name: this.state_model_name,
    }) as RefTo<S>;
  }

  /** A copy of this ref carrying `state` instead of its own. */
  withState<T extends AnyState = S>(state: T | null): RefTo<T> {
    return new Ref<T>({
      record: this.record,
      guid: this.guid,
      state,
      state_model_name: this.state_model_name,
    }) as RefTo<T>;
  }

  /** The wire form of the ref. */
  toJSON(): RefJSON<S> {
    return {
      record: this.record,
      guid: this.guid,
      state: this.state,
      state_model_name: this.state_model_name,
      model_name: 'Ref',
    };
  }

  toString(): string {
    const record = this.record
      ? `StoreRecord(store=Store(uid='${this.record.store.uid}', name=${quote(this.record.store.name)}), uid='${this.record.uid}', url=${quote(this.record.url)})`
      : 'null';
    const state = this.state ? `${this.state.model_name}(${describeState(this.state)})` : 'null';
    return [
      `record=${record}`,
      `guid=${quote(this.guid)}`,
      `state=${state}`,
      `state_model_name='${this.state_model_name}'`,
      `model_name='Ref'`,
    ].join('\n');
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

function quote(value: string | null): string {
  return value === null ? 'null' : `'${value}'`;
}

function describeState(state: AnyState): string {
  return Object.entries(state)
    .map(([key, value]) => `${key}=${describeValue(value)}`)
    .join(', ');
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (isRef(value))
    return `Ref(${value.state_model_name}${value.record ? `, uid='${value.record.uid}'` : ''})`;
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
}

const refProxyHandler: ProxyHandler<Ref> = {
  get(target, property, receiver) {
    if (property === targetKey) return target;
    if (typeof property === 'symbol' || property in target) return Reflect.get(target, property, receiver);
    if (property === 'then') return undefined;
    return target.state?.[property];
  },
  set(target, property, value, receiver) {
    if (typeof property === 'symbol' || ownKeys.has(property) || property in target) {
      return Reflect.set(target, property, value, receiver);
    }
    if (!target.state) target.state = { model_name: target.state_model_name };
    target.state[property] = value;
    return true;
  },
};

/** True for a `Ref` instance of any copy of core. */
export function isRef(value: unknown): value is Ref {
  return (
    value instanceof Ref ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { model_name?: unknown }).model_name === 'Ref' &&
      'state_model_name' in value &&
      typeof (value as Ref).strip === 'function')
  );
}

/** Where a record lives, for `ref(Model, { uid, store })`. */
export interface RecordAddress {
  /** The record's uid in its store. */
  uid: string;
  /** The store: its uid and optionally its name. */
  store: { uid: string; name?: string | null };
  /** The record's URL, if it has one. */
  url?: string | null;
  /** The record's guid, if known. */
  guid?: string | null;
}

/** A model as `ref(Model, address)` needs it (any state model qualifies). */
interface NamedModel<S extends AnyState> {
  readonly modelName: string;
  (...args: never[]): S;
}

/**
 * Creates a ref. `ref(Cat({ name: 'Snowball' }))` carries a state and has no record yet (a put
 * creates it); `ref(Cat, { uid, store })` points at an existing record of a store.
 */
export function ref<S extends AnyState>(
  state: S,
  options?: { guid?: string | null; record?: StoreRecord | null },
): RefTo<S>;
export function ref<S extends AnyState>(model: NamedModel<S>, address: RecordAddress): RefTo<S>;
export function ref<S extends AnyState>(
  source: S | NamedModel<S>,
  options: { guid?: string | null; record?: StoreRecord | null } | RecordAddress = {},
): RefTo<S> {
  if (typeof source === 'function') {
    const address = options as RecordAddress;
    if (typeof address?.uid !== 'string' || typeof address.store?.uid !== 'string') {
      throw new ValidationError(
        `ref(${source.modelName}, address) needs { uid, store: { uid } }, received ${JSON.stringify(address)}`,
        { extra: { model: source.modelName } },
      );
    }
    return new Ref<S>({
      record: recordFromJSON(address),
      guid: address.guid ?? null,
      state: null,
      state_model_name: source.modelName,
    }) as RefTo<S>;
  }
  const given = options as { guid?: string | null; record?: StoreRecord | null };
  return new Ref<S>({
    state: source,
    state_model_name: source.model_name,
    guid: given.guid ?? null,
    record: given.record ?? null,
  }) as RefTo<S>;
}

/** The record of a ref from its JSON: absent names and an empty URL become null. */
export function recordFromJSON(
  record: Pick<RecordJSON, 'uid' | 'url'> & { store: { uid: string; name?: string | null } },
): StoreRecord {
  return {
    store: { uid: record.store.uid, name: record.store.name ?? null },
    uid: record.uid,
    url: typeof record.url === 'string' && record.url !== '' ? record.url : null,
  };
}
