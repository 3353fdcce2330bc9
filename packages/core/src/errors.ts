import type { ErrorBodyJSON } from './wire/schemas.js';

/**
 * Typed errors shared by every Constelite package. Each error has a stable `code`, the HTTP
 * status a transport should answer with, and a JSON form that the client turns back into the
 * same class (match on `code`, not `instanceof`: an application may hold two copies of core).
 */

/**
 * The error table: every stable code Constelite produces, with the HTTP status a transport
 * answers and the default `detail` (the short summary a human sees). Each code has one class
 * below and `errorFromJSON` rebuilds each one. Status 0 marks errors that arise on the client
 * side, where no server answered. The codes and their meaning: docs/concepts.md, "Errors".
 */
export const errorTable = {
  VALIDATION_FAILED: { status: 400, name: 'ValidationError', detail: 'Validation failed' },
  UNKNOWN_MODEL: { status: 400, name: 'UnknownModelError', detail: 'Unknown model' },
  RECORD_NOT_FOUND: { status: 400, name: 'RecordNotFoundError', detail: 'Record not found' },
  WRONG_STORE: { status: 400, name: 'WrongStoreError', detail: 'Ref belongs to another store' },
  UNKNOWN_STORE: { status: 400, name: 'UnknownStoreError', detail: 'Unknown store' },
  METHOD_NOT_ALLOWED: { status: 400, name: 'MethodNotAllowedError', detail: 'Method not allowed' },
  GUID_CONFLICT: { status: 400, name: 'GuidConflictError', detail: 'Guid conflict' },
  UNKNOWN_PROTOCOL: { status: 404, name: 'UnknownProtocolError', detail: 'Unknown protocol' },
  UNKNOWN_LOGGER: { status: 400, name: 'UnknownLoggerError', detail: 'Unknown logger' },
  UNKNOWN_JOB: { status: 400, name: 'UnknownJobError', detail: 'Unknown job' },
  JOB_CANCELLED: { status: 400, name: 'JobCancelledError', detail: 'Job cancelled' },
  JOBS_FULL: { status: 503, name: 'JobsFullError', detail: 'Too many jobs' },
  JOB_STALLED: { status: 500, name: 'JobStalledError', detail: 'Job stalled' },
  JOBS_UNAVAILABLE: { status: 503, name: 'JobsUnavailableError', detail: 'Job queue unavailable' },
  UNAUTHORIZED: { status: 401, name: 'UnauthorizedError', detail: 'Unauthorized' },
  // 400, not 413: the Python client shows `detail` only for 400 and 500 answers.
  PAYLOAD_TOO_LARGE: { status: 400, name: 'PayloadTooLargeError', detail: 'Payload too large' },
  NOT_FOUND: { status: 404, name: 'NotFoundError', detail: 'Not found' },
  PROTOCOL_FAILED: { status: 500, name: 'ProtocolFailedError', detail: 'Protocol failed' },
  STORE_FAULT: { status: 500, name: 'StoreFaultError', detail: 'Store fault' },
  INTERNAL_ERROR: { status: 500, name: 'InternalError', detail: 'Internal server error' },
  NETWORK_ERROR: { status: 0, name: 'NetworkError', detail: 'Network error' },
  JOB_TIMEOUT: { status: 0, name: 'JobTimeoutError', detail: 'Job timeout' },
  INVALID_RESPONSE: { status: 502, name: 'InvalidResponseError', detail: 'Invalid response' },
  RESPONSE_TOO_LARGE: { status: 0, name: 'ResponseTooLargeError', detail: 'Response too large' },
  HTTP_ERROR: { status: 0, name: 'HttpError', detail: 'HTTP error' },
  DUPLICATE_PACKAGE: { status: 500, name: 'DuplicatePackageError', detail: 'Duplicate package' },
  RESULT_TOO_LARGE: { status: 400, name: 'ResultTooLargeError', detail: 'Result too large: page it' },
} as const satisfies Record<string, { status: number; name: string; detail: string }>;

/** Every stable error code Constelite produces. */
export type ErrorCode = keyof typeof errorTable;

/** Every code by name, for code that matches on them: `ErrorCodes.RECORD_NOT_FOUND`. */
export const ErrorCodes = Object.fromEntries(Object.keys(errorTable).map((code) => [code, code])) as {
  readonly [C in ErrorCode]: C;
};

/** The JSON body of an error on the wire: an RFC 9457 problem body with a stable code (see `errorBodySchema`). */
export type ErrorBody = ErrorBodyJSON;

export interface ConsteliteErrorOptions {
  /** Short summary shown to humans (`detail` on the wire). Defaults to the class's summary. */
  detail?: string;
  /** Structured facts about the failure (model, field, store, uid…). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/** Base class of every Constelite error. */
export class ConsteliteError extends Error {
  override name = 'ConsteliteError';
  readonly code: string;
  readonly status: number;
  readonly detail: string;
  readonly extra: Record<string, unknown>;

  constructor(code: string, status: number, message: string, options: ConsteliteErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = status;
    this.detail = options.detail ?? message;
    this.extra = options.extra ?? {};
  }

  /** The wire form: `{detail, code, status, extra: {error_message, ...}}`. */
  toJSON(): ErrorBody {
    return {
      detail: this.detail,
      code: this.code,
      status: this.status,
      extra: { ...this.extra, error_message: this.message },
    };
  }
}

function defineError<C extends ErrorCode>(code: C) {
  const { status, name, detail } = errorTable[code];
  const Err = class extends ConsteliteError {
    declare readonly code: C;
    constructor(message: string, options: ConsteliteErrorOptions = {}) {
      super(code, status, message, { ...options, detail: options.detail ?? detail });
      this.name = name;
    }
  };
  Object.defineProperty(Err, 'name', { value: name });
  return Err;
}

/** A state, ref or request body does not match its schema. */
export class ValidationError extends defineError('VALIDATION_FAILED') {}
/** A `model_name` that no registered state model has. */
export class UnknownModelError extends defineError('UNKNOWN_MODEL') {}
/** A record uid (or guid) that the store does not hold. */
export class RecordNotFoundError extends defineError('RECORD_NOT_FOUND') {}
/** A ref whose record belongs to another store. */
export class WrongStoreError extends defineError('WRONG_STORE') {}
/** A store uid that the API does not hold. */
export class UnknownStoreError extends defineError('UNKNOWN_STORE') {}
/** A store method that the store does not allow. */
export class MethodNotAllowedError extends defineError('METHOD_NOT_ALLOWED') {}
/** A guid that conflicts with the guid already linked to a record. */
export class GuidConflictError extends defineError('GUID_CONFLICT') {}
/** A protocol path that the API does not serve. */
export class UnknownProtocolError extends defineError('UNKNOWN_PROTOCOL') {}
/** A logger name that the API does not know. */
export class UnknownLoggerError extends defineError('UNKNOWN_LOGGER') {}
/** A job uid that the API does not hold (never existed or expired). */
export class UnknownJobError extends defineError('UNKNOWN_JOB') {}
/** A job that was cancelled before it finished. */
export class JobCancelledError extends defineError('JOB_CANCELLED') {}
/** The API holds as many jobs as it admits; try again later. */
export class JobsFullError extends defineError('JOBS_FULL') {}
/** A job whose worker stopped under it (crashed, or blocked too long) more often than it may be retried. */
export class JobStalledError extends defineError('JOB_STALLED') {}
/** The job queue's backend (Redis) cannot be reached; the message names it. */
export class JobsUnavailableError extends defineError('JOBS_UNAVAILABLE') {}
/** A missing or wrong bearer token. */
export class UnauthorizedError extends defineError('UNAUTHORIZED') {}
/** A request body larger than the server accepts. */
export class PayloadTooLargeError extends defineError('PAYLOAD_TOO_LARGE') {}
/** A path the server has no route for. */
export class NotFoundError extends defineError('NOT_FOUND') {}
/** A protocol that threw while running. */
export class ProtocolFailedError extends defineError('PROTOCOL_FAILED') {}
/** The storage behind a store failed (I/O, lost connection…); nothing of the write was kept. */
export class StoreFaultError extends defineError('STORE_FAULT') {}
/** An unexpected server fault. */
export class InternalError extends defineError('INTERNAL_ERROR') {}
/** The server could not be reached or did not answer in time. */
export class NetworkError extends defineError('NETWORK_ERROR') {}
/** A job that was still running when the client stopped waiting for it. */
export class JobTimeoutError extends defineError('JOB_TIMEOUT') {}
/** The API answered something that is not what the endpoint answers. */
export class InvalidResponseError extends defineError('INVALID_RESPONSE') {}
/** An answer larger than the client's `maxResponseBytes`; the client stopped reading it. */
export class ResponseTooLargeError extends defineError('RESPONSE_TOO_LARGE') {}
/** An HTTP answer that carries no Constelite error body (a proxy's page, for instance). */
export class HttpError extends defineError('HTTP_ERROR') {}
/** Two copies of a Constelite package that must be loaded once (core) are loaded. */
export class DuplicatePackageError extends defineError('DUPLICATE_PACKAGE') {}
/** An unpaged query that matches more records than the API answers at once: page it. */
export class ResultTooLargeError extends defineError('RESULT_TOO_LARGE') {}

type ErrorClass = new (message: string, options?: ConsteliteErrorOptions) => ConsteliteError;

/** The class of each code; a `Record` over every code, so a code without a class does not compile. */
const errorClasses: Record<ErrorCode, ErrorClass> = {
  VALIDATION_FAILED: ValidationError,
  UNKNOWN_MODEL: UnknownModelError,
  RECORD_NOT_FOUND: RecordNotFoundError,
  WRONG_STORE: WrongStoreError,
  UNKNOWN_STORE: UnknownStoreError,
  METHOD_NOT_ALLOWED: MethodNotAllowedError,
  GUID_CONFLICT: GuidConflictError,
  UNKNOWN_PROTOCOL: UnknownProtocolError,
  UNKNOWN_LOGGER: UnknownLoggerError,
  UNKNOWN_JOB: UnknownJobError,
  JOB_CANCELLED: JobCancelledError,
  JOBS_FULL: JobsFullError,
  JOB_STALLED: JobStalledError,
  JOBS_UNAVAILABLE: JobsUnavailableError,
  UNAUTHORIZED: UnauthorizedError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  NOT_FOUND: NotFoundError,
  PROTOCOL_FAILED: ProtocolFailedError,
  STORE_FAULT: StoreFaultError,
  INTERNAL_ERROR: InternalError,
  NETWORK_ERROR: NetworkError,
  JOB_TIMEOUT: JobTimeoutError,
  INVALID_RESPONSE: InvalidResponseError,
  RESPONSE_TOO_LARGE: ResponseTooLargeError,
  HTTP_ERROR: HttpError,
  DUPLICATE_PACKAGE: DuplicatePackageError,
  RESULT_TOO_LARGE: ResultTooLargeError,
};

/** True when `error` is a Constelite error (optionally with the given code), whichever copy of core made it. */
export function isConsteliteError(error: unknown, code?: ErrorCode): error is ConsteliteError {
  if (typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; status?: unknown };
  if (typeof candidate.code !== 'string' || typeof candidate.status !== 'number') return false;
  return code === undefined || candidate.code === code;
}

/** Rebuilds a typed error from its wire body (used by the client). Unknown codes keep their code and status. */
export function errorFromJSON(
  body: Partial<ErrorBody> & { detail?: unknown },
  status: number,
): ConsteliteError {
  const extra = (typeof body.extra === 'object' && body.extra !== null ? body.extra : {}) as Record<
    string,
    unknown
  >;
  const detail = typeof body.detail === 'string' ? body.detail : JSON.stringify(body.detail ?? 'Error');
  const message = typeof extra.error_message === 'string' ? extra.error_message : detail;
  const { error_message: _ignored, ...rest } = extra;
  const code = typeof body.code === 'string' ? body.code : undefined;
  const Known =
    code !== undefined && Object.hasOwn(errorClasses, code) ? errorClasses[code as ErrorCode] : undefined;
  if (Known) {
    const error = new Known(message, { detail, extra: rest });
    return Object.assign(error, { status });
  }
  if (code !== undefined) return new ConsteliteError(code, status, message, { detail, extra: rest });
  const Fallback = status >= 500 ? InternalError : HttpError;
  return Object.assign(new Fallback(message, { detail, extra: rest }), { status });
}

/** Throws the standard error for a model name nobody registered. */
export function unknownModel(name: string): never {
  throw new UnknownModelError(`Unknown model '${name}': no state model with this name is registered`, {
    extra: { model: name },
  });
}
