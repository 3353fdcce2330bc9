import type { AnyStateModel, FieldInfo, FieldKind, ModelRegistry } from '@constelite/core';

const fieldLists = new WeakMap<AnyStateModel, readonly (readonly [string, FieldInfo])[]>();

/** The fields of a model as a list, computed once per model (every read and write walks it). */
export function fieldsOf(model: AnyStateModel): readonly (readonly [string, FieldInfo])[] {
  let fields = fieldLists.get(model);
  if (!fields) {
    fields = Object.entries(model.fields);
    fieldLists.set(model, fields);
  }
  return fields;
}

/** The names of the fields of `kind` of the model named `model`. */
export function fieldsOfKind(registry: ModelRegistry, model: string, kind: FieldKind): string[] {
  const out: string[] = [];
  for (const [field, info] of fieldsOf(registry.get(model))) if (info.kind === kind) out.push(field);
  return out;
}

const staticModels = new WeakMap<AnyStateModel, boolean>();

/** True when every field of the model is static: a record's values are its whole state. */
export function staticOnly(model: AnyStateModel): boolean {
  let only = staticModels.get(model);
  if (only === undefined) {
    only = fieldsOf(model).every(([, info]) => info.kind === 'static');
    staticModels.set(model, only);
  }
  return only;
}

const dynamicLists = new WeakMap<AnyStateModel, readonly string[]>();

/** The names of a model's dynamic fields, computed once per model (every read asks). */
export function dynamicFieldsOf(model: AnyStateModel): readonly string[] {
  let fields = dynamicLists.get(model);
  if (!fields) {
    fields = fieldsOf(model).flatMap(([field, info]) => (info.kind === 'dynamic' ? [field] : []));
    dynamicLists.set(model, fields);
  }
  return fields;
}
