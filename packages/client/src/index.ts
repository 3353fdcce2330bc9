export { ConsteliteClient, type ConsteliteClientOptions, type FetchFunction, StoreClient } from './client.js';
export { InvalidResponseError, JobTimeoutError } from './errors.js';
export type {
  CallKind,
  CallOptions,
  Job,
  JobCall,
  JobHelpers,
  JobStatus,
  JobsOf,
  LoggerChoice,
  ProtocolCall,
  ProtocolsOf,
  ProtocolTree,
  QueryArgs,
  QueryRef,
  RetryPolicy,
  StoreRef,
  UntypedJobs,
  UntypedProtocols,
  WaitOptions,
  WireResult,
} from './types.js';
