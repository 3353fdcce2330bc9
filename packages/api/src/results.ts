import {
  type AnyStateModel,
  isRef,
  type ModelRegistry,
  type Ref,
  ref,
  refOfModelName,
} from '@constelite/core';
import type { Store } from '@constelite/store';
import type { z } from 'zod';

/**
 * Checks a protocol's returned value against its `returns` schema. A returned `Ref` (a record
 * the protocol stored or read) is accepted where the schema is a model's state schema or a
 * `refOf` of that model (docs/concepts.md, "Protocols"): the ref is answered as it is, never put
 * again.
 */
export async function checkReturned(
  returns: z.ZodType,
  value: unknown,
  registry: ModelRegistry,
): Promise<unknown> {
  if (isRef(value)) {
    const expected = refModel(returns, registry);
    if (expected) return checkRefModel(value, expected, registry);
  }
  const element = (returns as { element?: unknown }).element as z.ZodType | undefined;
  if (Array.isArray(value) && element && value.some(isRef)) {
    const expected = refModel(element, registry);
    if (expected) {
      return Promise.all(
        value.map((item) =>
          isRef(item) ? checkRefModel(item, expected, registry) : element.parseAsync(item),
        ),
      );
    }
  }
  return returns.parseAsync(value);
}

/**
 * Turns a checked result into what the wire carries: refs as they are, a state of a known model
 * as a Ref (put into the temporary store when there is one, else carrying the state), lists
 * item by item, nothing as null.
 */
export async function encodeResult(
  output: unknown,
  registry: ModelRegistry,
  temporaryStore: Store | null,
): Promise<unknown> {
  if (output === undefined || output === null) return null;
  const encodeOne = async (value: unknown): Promise<unknown> => {
    if (isRef(value)) return value.toJSON();
    if (isState(value) && registry.find(value.model_name)) {
      return (temporaryStore ? await temporaryStore.put(ref(value)) : ref(value)).toJSON();
    }
    return value;
  };
  const encoded = Array.isArray(output) ? await Promise.all(output.map(encodeOne)) : await encodeOne(output);
  // A detached copy: the caller cannot change what the protocol holds, nor the other way round.
  return JSON.parse(JSON.stringify(encoded)) as unknown;
}

function refModel(schema: z.ZodType, registry: ModelRegistry): AnyStateModel | undefined {
  const name = refOfModelName(schema);
  if (name) return registry.find(name);
  return registry.all().find((model) => model.schema === schema);
}

function checkRefModel(value: Ref, expected: AnyStateModel, registry: ModelRegistry): Ref {
  const model = registry.find(value.state_model_name);
  if (!model?.isSubModelOf(expected)) {
    throw new TypeError(
      `returned a ref to a ${value.state_model_name} where a ${expected.modelName} was declared`,
    );
  }
  return value;
}

function isState(value: unknown): value is { model_name: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !isRef(value) &&
    typeof (value as { model_name?: unknown }).model_name === 'string'
  );
}
