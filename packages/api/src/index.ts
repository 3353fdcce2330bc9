export { ConsteliteAPI, type ConsteliteAPIOptions, type LoggerSelection } from './api.js';
export { type Job, type JobOptions, type JobStatus, JobTable } from './jobs.js';
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
