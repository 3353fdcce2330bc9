// The client-side errors live in core's error table; re-exported here where users look for them.
export { InvalidResponseError, JobTimeoutError } from '@constelite/core';
export { ConsteliteClient, type ConsteliteClientOptions, type FetchFunction, StoreClient } from './client.js';
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
