/**
 * `@constelite/core/wire`: the JSON shapes of the wire protocol and the endpoint table
 * (docs/concepts.md, "The wire protocol"; docs/architecture.md, "Adding an endpoint").
 */
export {
  type EndpointBody,
  type EndpointDefinition,
  type EndpointKind,
  type EndpointName,
  type EndpointResult,
  endpointNames,
  endpoints,
} from './endpoints.js';
export {
  type ErrorBodyJSON,
  errorBodySchema,
  formatIssues,
  issuesJSON,
  type JobFetchBody,
  type JobJSON,
  type JobStatus,
  jobFetchBodySchema,
  jobSchema,
  jobStatusSchema,
  type LoggerSelection,
  loggerSelectionSchema,
  type ProtocolBody,
  protocolBodySchema,
  type QueryBody,
  queryBodySchema,
  type RecordJSON,
  type RefBody,
  type RefWire,
  recordSchema,
  recordUidSchema,
  refBodySchema,
  refEnvelope,
  refSchema,
  type StoreJSON,
  stateJSONSchema,
  stateSchema,
  storeSchema,
  uuid4Schema,
} from './schemas.js';
