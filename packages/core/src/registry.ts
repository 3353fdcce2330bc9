import { ValidationError } from './errors.js';
import type { AnyStateModel } from './model.js';
import { unknownModel } from './model.js';
import { type AnyState, isRef, Ref, type RefJSON, type RefTo, type StoreRecord } from './ref.js';

/** Options of `resolveState`. */
export interface ResolveOptions {
  /** Return the JSON as an untyped state instead of failing when its model is unknown. */
  force?: boolean;
  /** Fields the model does not define: `'reject'` (default) or `'strip'`. */
  unknownFields?: 'reject' | 'strip';
}

/**
 * Maps `model_name` to state models, so that JSON can be resolved back to the model that
 * produced it (sub-models resolve to themselves).
 */
export class ModelRegistry {
  readonly #models = new Map<string, AnyStateModel>();

  /** Registers `model` under its name; a later model of the same name replaces it. */
  register(model: AnyStateModel): void {
    this.#models.set(model.modelName, model);
  }

  /** The model named `name`, or undefined. */
  find(name: string): AnyStateModel | undefined {
    return this.#models.get(name);
  }

  /** The model named `name`; throws `UnknownModelError` naming it when there is none. */
  get(name: string): AnyStateModel {
    return this.#models.get(name) ?? unknownModel(name);
  }

  /** Every registered model. */
  all(): AnyStateModel[] {
    return [...this.#models.values()];
  }

  /** Names of `model` and of every registered model that extends it. */
  subModelNames(model: AnyStateModel): string[] {
    const names = [model.modelName];
    for (const candidate of this.#models.values()) {
      if (candidate !== model && candidate.modelName !== model.modelName && candidate.isSubModelOf(model)) {
        names.push(candidate.modelName);
      }
    }
    return names;
  }

  /** Validates a JSON state with the model its `model_name` names. */
  resolveState(json: unknown, options: ResolveOptions = {}): AnyState {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ValidationError(
        `A state must be a JSON object with a model_name, received ${JSON.stringify(json)}`,
      );
    }
    const name = (json as { model_name?: unknown }).model_name;
    if (typeof name !== 'string') {
      throw new ValidationError('A state must carry its model_name', { extra: { state: json } });
    }
    const model = this.find(name);
    if (!model) {
      if (options.force) return json as AnyState;
      unknownModel(name);
    }
    return model.parse(json, { unknownFields: options.unknownFields ?? 'reject' });
  }

  /** Resolves a JSON ref (or a Ref) into a `Ref` whose state is validated by its model. */
  resolveRef(json: unknown, options: ResolveOptions = {}): RefTo {
    if (isRef(json)) return json as RefTo;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new ValidationError(`A ref must be a JSON object, received ${JSON.stringify(json)}`);
    }
    const value = json as Partial<RefJSON> & Record<string, unknown>;
    const state = value.state ? this.resolveState(value.state, options) : null;
    const stateModelName =
      typeof value.state_model_name === 'string' ? value.state_model_name : state?.model_name;
    if (!stateModelName)
      throw new ValidationError('A ref must carry its state_model_name', { extra: { ref: json } });
    if (!options.force) this.get(stateModelName);
    return new Ref({
      record: parseRecord(value.record),
      guid: parseGuid(value.guid),
      state,
      state_model_name: stateModelName,
    }) as RefTo;
  }
}

function parseGuid(guid: unknown): string | null {
  if (guid === null || guid === undefined) return null;
  if (typeof guid !== 'string')
    throw new ValidationError(`A ref's guid must be a string, received ${JSON.stringify(guid)}`);
  return guid;
}

function parseRecord(record: unknown): StoreRecord | null {
  if (record === null || record === undefined) return null;
  const value = record as { store?: { uid?: unknown; name?: unknown }; uid?: unknown; url?: unknown };
  if (typeof value !== 'object' || typeof value.uid !== 'string' || typeof value.store?.uid !== 'string') {
    throw new ValidationError(
      `A ref's record must be {store: {uid, name}, uid, url}, received ${JSON.stringify(record)}`,
    );
  }
  const name = value.store.name;
  const url = value.url;
  return {
    store: { uid: value.store.uid, name: typeof name === 'string' ? name : null },
    uid: value.uid,
    url: typeof url === 'string' && url !== '' ? url : null,
  };
}

/** The registry every model registers in unless told otherwise. */
export const defaultRegistry = new ModelRegistry();

/** Resolves a JSON state through the default registry (`force` returns unknown models untyped). */
export function resolveState(json: unknown, options?: ResolveOptions): AnyState {
  return defaultRegistry.resolveState(json, options);
}

/** Resolves a JSON ref through the default registry. */
export function resolveRef(json: unknown, options?: ResolveOptions): RefTo {
  return defaultRegistry.resolveRef(json, options);
}
