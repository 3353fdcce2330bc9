export * from './errors.js';
export {
  aggregation,
  association,
  BackrefField,
  backref,
  composition,
  DynamicField,
  dynamic,
  type FieldDefinition,
  type FieldInfo,
  type FieldKind,
  type ModelThunk,
  RelationshipField,
  type RelationshipKind,
  type TimePoint,
  type TimeSeries,
} from './fields.js';
export {
  type AnyStateModel,
  type Extended,
  type ParseOptions,
  type Shape,
  type State,
  type StateInput,
  type StateModel,
  type StateModelOptions,
  type StateOf,
  stateModel,
} from './model.js';
export type { ProtocolArgs, ProtocolResult, ProtocolSignature } from './protocol.js';
export {
  type AnyState,
  isRef,
  Ref,
  type RefInit,
  type RefJSON,
  type RefTo,
  ref,
  type StoreInfo,
  type StoreRecord,
} from './ref.js';
export { defaultRegistry, ModelRegistry, type ResolveOptions, resolveRef, resolveState } from './registry.js';
