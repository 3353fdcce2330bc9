import { Ref, refTarget, ValidationError } from '@constelite/core';
import { uuid4Schema } from '@constelite/core/wire';
import type { StoreContext } from './context.js';
import { methodNotAllowed, wrongStore } from './errors.js';
import type { StoreMethod } from './methods.js';

// The checks every call passes before it reaches the driver: method gating, the ref itself,
// the store a ref belongs to. (The conditions of a query are checked in ./query/compile.ts.)

/** Fails with `METHOD_NOT_ALLOWED` when the store does not offer `method`. */
export function assertAllowed(
  ctx: StoreContext,
  allowed: ReadonlySet<StoreMethod>,
  method: StoreMethod,
): void {
  if (!allowed.has(method)) throw methodNotAllowed(ctx, method);
}

/** A ref a method was given: an object naming a known model, of this store when it has a record. */
export function checkRef(ctx: StoreContext, ref: Ref, method: StoreMethod): Ref {
  if (!(ref instanceof Ref) && (typeof ref !== 'object' || ref === null)) {
    throw new ValidationError(`${method} expects a Ref, received ${JSON.stringify(ref)}`, {
      extra: { store: ctx.uid },
    });
  }
  const own = refTarget(ref);
  ctx.registry.get(own.state_model_name);
  return checkStoreOf(ctx, own, method);
}

/**
 * The ref as this store reads it; `where` names the place. A ref with a record of another
 * store is `WRONG_STORE`, unless guids are on and it has a guid: then it names the entity, and
 * resolves to the record of that guid in this store, or to a new one (docs/concepts.md, "Guids").
 */
export function checkStoreOf(ctx: StoreContext, given: Ref, where: string): Ref {
  // The store reads the ref's own fields past its proxy (no trap per field) and never hands
  // the object out: what it answers with are refs of its own.
  const ref = refTarget(given);
  const store = ref.record?.store;
  let local = ref;
  if (store && store.uid !== ctx.uid && store.uid.toLowerCase() !== ctx.uid) {
    if (!ctx.guids || !ref.guid) throw wrongStore(ctx, ref, where);
    local = new Ref({
      record: null,
      guid: ref.guid,
      state: ref.state,
      state_model_name: ref.state_model_name,
    });
  }
  // Guids are version-4 UUIDs wherever they enter (the Python client rejects any other).
  if (ref.guid !== null && ref.guid !== undefined && !uuid4Schema.safeParse(ref.guid).success) {
    throw new ValidationError(
      `${where}: the ${ref.state_model_name} ref's guid ${JSON.stringify(ref.guid)} is not a version-4 UUID`,
      { extra: { store: ctx.uid, model: ref.state_model_name, guid: ref.guid } },
    );
  }
  return local;
}
