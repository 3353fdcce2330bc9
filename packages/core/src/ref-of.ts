import { z } from 'zod';
import type { AnyStateModel, StateOf } from './model.js';
import { isRef, type Ref, type RefJSON, type RefTo } from './ref.js';

/**
 * The metadata key that marks a schema made by `refOf`; its value is the model's name. The API
 * reference shows such a schema as the Ref schema of that model.
 */
export const REF_OF_META = 'x-constelite-ref-of';

/** The input a `refOf(Model)` schema accepts: a `Ref` or its JSON. */
export type RefInput<M extends AnyStateModel> = Ref<StateOf<M>> | RefJSON<StateOf<M>>;

/** The zod schema `refOf(Model)` returns: JSON or a `Ref` in, a typed `Ref` out. */
export type RefOfSchema<M extends AnyStateModel> = z.ZodType<RefTo<StateOf<M>>, RefInput<M>>;

/**
 * A zod schema of a ref to a record of `model` (or of a sub-model), for protocol arguments and
 * results: `args: { cat: refOf(Cat), herd: z.array(refOf(Cat)) }`. It accepts the Ref JSON the
 * wire carries (its state validated by its model) or a `Ref`, gives a `RefTo<Cat>`, and rejects
 * a ref to a record of another model (docs/concepts.md, "Protocols").
 */
export function refOf<M extends AnyStateModel>(model: M): RefOfSchema<M> {
  const schema = z.unknown().transform((value, ctx): RefTo<StateOf<M>> => {
    let resolved: Ref;
    try {
      resolved = isRef(value) ? value : model.registry.resolveRef(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
      return z.NEVER;
    }
    const found = model.registry.find(resolved.state_model_name);
    if (!found?.isSubModelOf(model)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected a ref to a ${model.modelName}, received a ref to a ${resolved.state_model_name}`,
      });
      return z.NEVER;
    }
    return resolved as RefTo<StateOf<M>>;
  });
  return schema.meta({
    [REF_OF_META]: model.modelName,
    description: `A Ref to a ${model.modelName} (or a sub-model of it)`,
  }) as unknown as RefOfSchema<M>;
}

/** The model name a `refOf` schema points at, or undefined for any other schema. */
export function refOfModelName(schema: z.ZodType): string | undefined {
  const meta = schema.meta() as Record<string, unknown> | undefined;
  const name = meta?.[REF_OF_META];
  return typeof name === 'string' ? name : undefined;
}
