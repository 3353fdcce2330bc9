import { randomUUID } from 'node:crypto';
import {
  type AnyState,
  type AnyStateModel,
  Ref,
  type RefTo,
  type StateOf,
  type StoreRecord,
} from '@constelite/core';
import { expect } from 'vitest';
import type { SuiteStore } from './types.js';

/**
 * Awaits `promise` and checks that it fails with a Constelite error of `code` whose message
 * mentions each of `mentions`. Matches on `code`, not `instanceof`, so that errors rebuilt by
 * a client (or thrown by another copy of core) count.
 */
export async function expectError(
  promise: Promise<unknown>,
  code: string,
  ...mentions: string[]
): Promise<void> {
  let failed = false;
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    failed = true;
    error = caught;
  }
  expect(failed, `expected a ${code} error, but the call succeeded`).toBe(true);
  const actual = (error as { code?: unknown } | null)?.code;
  expect(actual, `expected a ${code} error, got ${String(error)}`).toBe(code);
  const message = String((error as { message?: unknown }).message);
  for (const mention of mentions)
    expect(message, `the ${code} message should name ${mention}`).toContain(mention);
}

/** The number of records of `model` (sub-models included) in `store`. */
export async function count(store: SuiteStore, model: AnyStateModel): Promise<number> {
  return (await store.query({ model })).length;
}

/** The record uids of a relationship (or backref) list, in order. */
export function uids(list: readonly Ref[] | undefined | null): string[] {
  return (list ?? []).map((item) => item.record?.uid ?? '<no record>');
}

/** The record uids of a list, sorted, for comparisons where order is not the rule. */
export function sortedUids(list: readonly Ref[] | undefined | null): string[] {
  return uids(list).sort();
}

/** The uid of a ref returned by the store. */
export function uidOf(ref: Ref): string {
  const uid = ref.record?.uid;
  expect(uid, `a ${ref.state_model_name} ref returned by the store should carry a record`).toBeTypeOf(
    'string',
  );
  return uid as string;
}

/** A ref built as a client would send it, without validating the state first. */
export function rawRef(init: {
  state_model_name: string;
  state?: Record<string, unknown> | null;
  record?: StoreRecord | null;
  guid?: string | null;
}): RefTo {
  return new Ref({
    state_model_name: init.state_model_name,
    state: (init.state ?? null) as AnyState | null,
    record: init.record ?? null,
    guid: init.guid ?? null,
  }) as RefTo;
}

/**
 * A ref to a record of `store` that does not exist, typed as a ref to `model`:
 * `missingRef(store, SuiteHuman)` fits wherever a `SuiteHuman` ref does.
 */
export function missingRef<M extends AnyStateModel>(store: SuiteStore, model: M): RefTo<StateOf<M>> {
  return rawRef({
    state_model_name: model.modelName,
    record: { store: { uid: store.uid, name: store.name }, uid: randomUUID(), url: null },
  }) as RefTo<StateOf<M>>;
}

/** A ref to a record of another store, typed as a ref to `model`. */
export function foreignRef<M extends AnyStateModel>(model: M): RefTo<StateOf<M>> {
  return rawRef({
    state_model_name: model.modelName,
    record: { store: { uid: randomUUID(), name: 'Some other store' }, uid: randomUUID(), url: null },
  }) as RefTo<StateOf<M>>;
}

/** The state of a ref returned by get (fails the test when there is none). */
export function stateOf<S extends AnyState>(ref: Ref<S>): S {
  expect(ref.state, `get should return the state of the ${ref.state_model_name} record`).not.toBeNull();
  return ref.state as S;
}
