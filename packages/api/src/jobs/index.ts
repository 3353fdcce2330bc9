export {
  checkStoredSize,
  failureOutcome,
  finishedJobJSON,
  idempotentJobUid,
  type Job,
  type JobOutcome,
  type JobProgress,
  type JobState,
  jobJSON,
  jobProgress,
  jsonSize,
  MAX_PROGRESS_MESSAGE,
} from './job.js';
export { MemoryJobQueue, type MemoryJobQueueOptions } from './memory-queue.js';
export {
  defaultJobLimits,
  isJobQueue,
  type JobLimits,
  type JobQueue,
  type JobQueueHost,
  type JobRunContext,
  type JobSubmission,
  type ProtocolRunner,
} from './queue.js';
