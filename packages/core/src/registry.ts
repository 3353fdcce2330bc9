import { claimSingleCopy } from './copies.js';
import { unknownModel, ValidationError } from './errors.js';
import type { AnyStateModel } from './model.js';
import { type AnyState, isRef, Ref, type RefTo, recordFromJSON } from './ref.js';
import { formatIssues, issuesJSON, type RefWire, refEnvelope } from './wire/schemas.js';

const strictRef = refEnvelope('strict');
const strippingRef = refEnvelope('strip');

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
    const parsed = (options.unknownFields === 'strip' ? strippingRef : strictRef).safeParse(json);
    if (!parsed.success) {
      throw new ValidationError(`Invalid ref: ${formatIssues(parsed.error)}`, {
        extra: { issues: issuesJSON(parsed.error) },
      });
    }
    return this.refFromWire(parsed.data, options);
  }

  /**
   * Builds the `Ref` of a wire ref that a ref envelope (`refSchema`, e.g. inside a request
   * body) has already validated: the state is parsed by its model and checked against the
   * declared model, exactly as `resolveRef` does, without validating the envelope again.
   */
  refFromWire(value: RefWire, options: ResolveOptions = {}): RefTo {
    const state = value.state ? this.resolveState(value.state, options) : null;
    if (!options.force) {
      const declared = this.get(value.state_model_name);
      if (state && !this.get(state.model_name).isSubModelOf(declared)) {
        throw new ValidationError(
          `A ref to a ${value.state_model_name} carries a ${state.model_name} state, which is not a ${value.state_model_name}`,
          { extra: { model: value.state_model_name, state_model: state.model_name } },
        );
      }
    }
    return new Ref({
      record: value.record ? recordFromJSON(value.record) : null,
      guid: value.guid ?? null,
      state,
      state_model_name: value.state_model_name,
    }) as RefTo;
  }
}

claimSingleCopy(import.meta.url);

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
