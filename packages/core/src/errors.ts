/**
 * Typed errors shared by every Constelite package. Each error has a stable `code`, the HTTP
 * status a transport should answer with, and a JSON form that the client turns back into the
 * same class (match on `code`, not `instanceof`: an application may hold two copies of core).
 */

/** Every stable error code Constelite produces. */
export const ErrorCodes = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNKNOWN_MODEL: 'UNKNOWN_MODEL',
  RECORD_NOT_FOUND: 'RECORD_NOT_FOUND',
  WRONG_STORE: 'WRONG_STORE',
  UNKNOWN_STORE: 'UNKNOWN_STORE',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  GUID_CONFLICT: 'GUID_CONFLICT',
  UNKNOWN_PROTOCOL: 'UNKNOWN_PROTOCOL',
  UNKNOWN_LOGGER: 'UNKNOWN_LOGGER',
  UNKNOWN_JOB: 'UNKNOWN_JOB',
  UNAUTHORIZED: 'UNAUTHORIZED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  PROTOCOL_FAILED: 'PROTOCOL_FAILED',
  STORE_FAULT: 'STORE_FAULT',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  NETWORK_ERROR: 'NETWORK_ERROR',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The JSON body of an error on the wire (SPEC §5; an RFC 9457 problem body with these members). */
export interface ErrorBody {
  detail: string;
  code: string;
  status?: number;
  extra: { error_message: string; traceback?: string; [key: string]: unknown };
}

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

function defineError<C extends ErrorCode>(code: C, status: number, name: string, summary: string) {
  const Err = class extends ConsteliteError {
    declare readonly code: C;
    constructor(message: string, options: ConsteliteErrorOptions = {}) {
      super(code, status, message, { ...options, detail: options.detail ?? summary });
      this.name = name;
    }
  };
  Object.defineProperty(Err, 'name', { value: name });
  return Err;
}

/** A state, ref or request body does not match its schema. */
export class ValidationError extends defineError(
  'VALIDATION_FAILED',
  400,
  'ValidationError',
  'Validation failed',
) {}
/** A `model_name` that no registered state model has. */
export class UnknownModelError extends defineError(
  'UNKNOWN_MODEL',
  400,
  'UnknownModelError',
  'Unknown model',
) {}
/** A record uid (or guid) that the store does not hold. */
export class RecordNotFoundError extends defineError(
  'RECORD_NOT_FOUND',
  400,
  'RecordNotFoundError',
  'Record not found',
) {}
/** A ref whose record belongs to another store. */
export class WrongStoreError extends defineError(
  'WRONG_STORE',
  400,
  'WrongStoreError',
  'Ref belongs to another store',
) {}
/** A store uid that the API does not hold. */
export class UnknownStoreError extends defineError(
  'UNKNOWN_STORE',
  400,
  'UnknownStoreError',
  'Unknown store',
) {}
/** A store method that the store does not allow. */
export class MethodNotAllowedError extends defineError(
  'METHOD_NOT_ALLOWED',
  400,
  'MethodNotAllowedError',
  'Method not allowed',
) {}
/** A guid that conflicts with the guid already linked to a record. */
export class GuidConflictError extends defineError(
  'GUID_CONFLICT',
  400,
  'GuidConflictError',
  'Guid conflict',
) {}
/** A protocol path that the API does not serve. */
export class UnknownProtocolError extends defineError(
  'UNKNOWN_PROTOCOL',
  404,
  'UnknownProtocolError',
  'Unknown protocol',
) {}
/** A logger name that the API does not know. */
export class UnknownLoggerError extends defineError(
  'UNKNOWN_LOGGER',
  400,
  'UnknownLoggerError',
  'Unknown logger',
) {}
/** A job uid that the API does not hold (never existed or expired). */
export class UnknownJobError extends defineError('UNKNOWN_JOB', 400, 'UnknownJobError', 'Unknown job') {}
/** A missing or wrong bearer token. */
export class UnauthorizedError extends defineError(
  'UNAUTHORIZED',
  401,
  'UnauthorizedError',
  'Unauthorized',
) {}
/** A request body larger than the server accepts. */
export class PayloadTooLargeError extends defineError(
  'PAYLOAD_TOO_LARGE',
  413,
  'PayloadTooLargeError',
  'Payload too large',
) {}
/** A protocol that threw while running. */
export class ProtocolFailedError extends defineError(
  'PROTOCOL_FAILED',
  500,
  'ProtocolFailedError',
  'Protocol failed',
) {}
/** The storage behind a store failed (I/O, lost connection…); nothing of the write was kept. */
export class StoreFaultError extends defineError('STORE_FAULT', 500, 'StoreFaultError', 'Store fault') {}
/** An unexpected server fault. */
export class InternalError extends defineError(
  'INTERNAL_ERROR',
  500,
  'InternalError',
  'Internal server error',
) {}
/** The server could not be reached or did not answer in time. */
export class NetworkError extends defineError('NETWORK_ERROR', 0, 'NetworkError', 'Network error') {}

const errorClasses: Record<
  string,
  new (
    message: string,
    options?: ConsteliteErrorOptions,
  ) => ConsteliteError
> = {
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
  UNAUTHORIZED: UnauthorizedError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  PROTOCOL_FAILED: ProtocolFailedError,
  STORE_FAULT: StoreFaultError,
  INTERNAL_ERROR: InternalError,
  NETWORK_ERROR: NetworkError,
};

/** True when `error` is a Constelite error (optionally with the given code), whichever copy of core made it. */
export function isConsteliteError(error: unknown, code?: string): error is ConsteliteError {
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
  const Known = code ? errorClasses[code] : undefined;
  if (Known) {
    const error = new Known(message, { detail, extra: rest });
    return Object.assign(error, { status });
  }
  return new ConsteliteError(code ?? (status >= 500 ? 'INTERNAL_ERROR' : 'HTTP_ERROR'), status, message, {
    detail,
    extra: rest,
  });
}
