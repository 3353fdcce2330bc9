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
  type FieldKindRules,
  type FieldStorage,
  fieldKinds,
  isRelationshipKind,
  type ModelThunk,
  RelationshipField,
  type RelationshipKind,
  type TimePoint,
  type TimeSeries,
  unreachable,
} from './fields.js';
export {
  type AnyStateModel,
  type Extended,
  isParsedState,
  type ParseOptions,
  type Shape,
  type State,
  type StateInput,
  type StateModel,
  type StateModelOptions,
  type StateOf,
  stateModel,
} from './model.js';
export type { ProtocolArgs, ProtocolResult, ProtocolSignature, ReceivedValue } from './protocol.js';
export {
  type AnyState,
  isRef,
  type RecordAddress,
  Ref,
  type RefInit,
  type RefJSON,
  type RefTo,
  recordFromJSON,
  ref,
  refTarget,
  type StoreInfo,
  type StoreRecord,
} from './ref.js';
export { REF_OF_META, type RefInput, type RefOfSchema, refOf, refOfModelName } from './ref-of.js';
export { defaultRegistry, ModelRegistry, type ResolveOptions, resolveRef, resolveState } from './registry.js';
export {
  isProtocolContract,
  type ProtocolContract,
  type ProtocolContractDefinition,
  protocolSignature,
} from './signature.js';
