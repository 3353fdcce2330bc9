import { type AnyState, isParsedState, ValidationError } from '@constelite/core';
import type { StoreContext } from './context.js';

/**
 * A state carried by a ref to a `declaredModel`, validated once (docs/architecture.md, "One
 * validation pass"): its model must be the declared one or a sub-model of it, and a state that
 * a model's `parse` (or a call of the model) produced is taken as it is, while any other
 * object is parsed by its model here. The nested states of JSON refs in relationship lists are
 * parsed with their owner; a nested `Ref` instance is not, so the writer brings its state here.
 */
export function validateState(ctx: StoreContext, state: AnyState, declaredModel: string): AnyState {
  const model = ctx.registry.get(state.model_name ?? declaredModel);
  const declared = ctx.registry.get(declaredModel);
  if (!model.isSubModelOf(declared)) {
    throw new ValidationError(`A ref to a ${declaredModel} carries a ${model.modelName} state`, {
      extra: { model: declaredModel, state_model: model.modelName },
    });
  }
  return isParsedState(state) ? state : model.parse(state);
}
