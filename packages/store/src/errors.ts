import {
  GuidConflictError,
  MethodNotAllowedError,
  RecordNotFoundError,
  type Ref,
  StoreFaultError,
  WrongStoreError,
} from '@constelite/core';
import type { StoreContext } from './context.js';

// Every error the store raises, built in one place so that each names the store the same way.

/** No record `uid` (of `model`) in the store; `detail` says where it was expected. */
export function notFound(
  ctx: StoreContext,
  uid: string,
  model: string,
  detail?: string,
): RecordNotFoundError {
  return new RecordNotFoundError(
    `${detail ? `${detail}: ` : ''}no ${model} record with uid ${uid} in store ${ctx.label}`,
    { extra: { store: ctx.uid, uid, model } },
  );
}

/** No record with `guid` in the store. */
export function guidNotFound(ctx: StoreContext, guid: string, model: string): RecordNotFoundError {
  return new RecordNotFoundError(`No ${model} with guid ${guid} in store ${ctx.label}`, {
    extra: { store: ctx.uid, guid, model },
  });
}

/** `ref` names a record of another store. */
export function wrongStore(ctx: StoreContext, ref: Ref, where: string): WrongStoreError {
  const store = ref.record?.store;
  return new WrongStoreError(
    `${where}: the ${ref.state_model_name} ref ${ref.record?.uid} belongs to store ${store?.name ? `'${store.name}' ` : ''}(${store?.uid}), not to store ${ctx.label}`,
    { extra: { store: ctx.uid, ref_store: store?.uid, uid: ref.record?.uid, model: ref.state_model_name } },
  );
}

/** The store does not offer `method`. */
export function methodNotAllowed(ctx: StoreContext, method: string): MethodNotAllowedError {
  return new MethodNotAllowedError(`Store ${ctx.label} does not support ${method}`, {
    extra: { store: ctx.uid, method },
  });
}

/** Record `uid` already has guid `existing`, and the ref says `guid`. */
export function guidConflict(
  ctx: StoreContext,
  uid: string,
  model: string,
  guid: string,
  existing: string,
): GuidConflictError {
  return new GuidConflictError(
    `Record ${uid} of ${model} in store ${ctx.label} has guid ${existing}, not ${guid}`,
    { extra: { store: ctx.uid, uid, guid, existing } },
  );
}

/** Anything a driver threw that is not a Constelite error, with the cause kept. */
export function storeFault(ctx: StoreContext, error: unknown): StoreFaultError {
  return new StoreFaultError(
    `Store ${ctx.label} failed: ${error instanceof Error ? error.message : String(error)}`,
    { cause: error, extra: { store: ctx.uid } },
  );
}
