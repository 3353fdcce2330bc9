export type { JobStatus } from '@constelite/core/wire';
export {
  ConsteliteAPI,
  type ConsteliteAPIOptions,
  type LoggerSelection,
  type StartJobOptions,
} from './api.js';
export {
  checkStoredSize,
  defaultJobLimits,
  failureOutcome,
  finishedJobJSON,
  idempotentJobUid,
  isJobQueue,
  type Job,
  type JobLimits,
  type JobOutcome,
  type JobProgress,
  type JobQueue,
  type JobQueueHost,
  type JobRunContext,
  type JobState,
  type JobSubmission,
  jobJSON,
  jobProgress,
  jsonSize,
  MAX_PROGRESS_MESSAGE,
  MemoryJobQueue,
  type MemoryJobQueueOptions,
  type ProtocolRunner,
} from './jobs/index.js';
export {
  type ConsoleLoggerOptions,
  consoleLogger,
  type Logger,
  type LoggerFactory,
  type LogLevel,
} from './logger.js';
export {
  type AnyProtocol,
  type ClientResult,
  isProtocol,
  type Protocol,
  type ProtocolContext,
  type ProtocolDefinition,
  type ProtocolFunction,
  protocol,
} from './protocol.js';
export { DEFAULT_MAX_UNPAGED_RECORDS, StreamedList } from './queries.js';
