export { DEFAULT_REDIS_URL, parseRedisUrl, type RedisAddress } from './connection.js';
export { decodeFailure, encodeFailure } from './failure.js';
export { BullMQJobQueue, type BullMQJobQueueOptions, type StoredJob } from './queue.js';
export { type RunningWorker, type StartWorkerOptions, startWorker } from './worker.js';
