import { inspect } from 'node:util';
import { ValidationError } from './errors.js';

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

/** The wire form of a ref (SPEC §5). */
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

  [inspect.custom](): string {
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

/** Creates a ref that carries `state` and has no record yet: `ref(Cat({ name: 'Snowball' }))`. */
export function ref<S extends AnyState>(
  state: S,
  options: { guid?: string | null; record?: StoreRecord | null } = {},
): RefTo<S> {
  return new Ref<S>({
    state,
    state_model_name: state.model_name,
    guid: options.guid ?? null,
    record: options.record ?? null,
  }) as RefTo<S>;
}
