import { ConsteliteError, type ConsteliteErrorOptions } from '@constelite/core';

/** A job that was still running when `client.jobs.wait` stopped waiting (code `JOB_TIMEOUT`). */
export class JobTimeoutError extends ConsteliteError {
  override name = 'JobTimeoutError';
  declare readonly code: 'JOB_TIMEOUT';

  constructor(message: string, options: ConsteliteErrorOptions = {}) {
    // Status 0: nothing failed on the server, the client gave up waiting.
    super('JOB_TIMEOUT', 0, message, { ...options, detail: options.detail ?? 'Job timeout' });
  }
}

/** The API answered something that is not the JSON Constelite sends (code `INVALID_RESPONSE`). */
export class InvalidResponseError extends ConsteliteError {
  override name = 'InvalidResponseError';
  declare readonly code: 'INVALID_RESPONSE';

  constructor(message: string, options: ConsteliteErrorOptions = {}) {
    super('INVALID_RESPONSE', 502, message, { ...options, detail: options.detail ?? 'Invalid response' });
  }
}
