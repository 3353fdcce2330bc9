import { isConsteliteError, PayloadTooLargeError } from '@constelite/core';
import type { JobJSON } from '@constelite/core/wire';

/**
 * Where a job is in its life. `status` (what a Python client reads) only has three values;
 * `state` says more: `queued` and `running` read `submitted`, `cancelled` reads `failed`.
 */
export type JobState = 'queued' | 'running' | 'success' | 'failed' | 'cancelled';

/** The last progress a running job reported. */
export interface JobProgress {
  /** How much is done, from 0 to 1; null when the protocol only reported a message. */
  fraction: number | null;
  /** What the protocol is doing ("plated 40 of 100 wells"); null when it gave none. */
  message: string | null;
}

/**
 * A job as it travels on the wire: the members a Python client parses (`model_name`, `uid`,
 * `status`, `result`, `error`) and the members that say more (`state`, `progress`,
 * `error_code`, `error_cause_code`). A cancelled job reads `status: 'failed'` with
 * `error_code: 'JOB_CANCELLED'`.
 */
export interface Job<R = unknown> extends JobJSON<R> {
  state: JobState;
  /** The last progress reported while it ran; null when none was. */
  progress: JobProgress | null;
  /** The stable code of the failure once `status` is `failed` (`PROTOCOL_FAILED`, `JOB_CANCELLED`, …). */
  error_code: string | null;
  /** For `PROTOCOL_FAILED`: the code of the Constelite error the protocol threw, if it threw one. */
  error_cause_code: string | null;
}

/** How a job ended, as a queue stores it. */
export type JobOutcome =
  | { state: 'success'; result: unknown }
  | { state: 'failed' | 'cancelled'; error: string; code: string; causeCode: string | null };

const statusOf = {
  queued: 'submitted',
  running: 'submitted',
  success: 'success',
  failed: 'failed',
  cancelled: 'failed',
} as const;

/** The wire form of a job in `state`. */
export function jobJSON(
  uid: string,
  state: JobState,
  details: {
    result?: unknown;
    error?: string | null;
    code?: string | null;
    causeCode?: string | null;
    progress?: JobProgress | null;
  } = {},
): Job {
  return {
    model_name: 'Job',
    uid,
    status: statusOf[state],
    result: state === 'success' ? (details.result ?? null) : null,
    error: details.error ?? null,
    state,
    progress: details.progress ?? null,
    error_code: details.code ?? null,
    error_cause_code: details.causeCode ?? null,
  };
}

/** The wire form of a finished job. */
export function finishedJobJSON(uid: string, outcome: JobOutcome, progress: JobProgress | null): Job {
  return outcome.state === 'success'
    ? jobJSON(uid, 'success', { result: outcome.result, progress })
    : jobJSON(uid, outcome.state, {
        error: outcome.error,
        code: outcome.code,
        causeCode: outcome.causeCode,
        progress,
      });
}

/** How a failure thrown by a job's run is kept: its message, code and cause code. */
export function failureOutcome(error: unknown): JobOutcome & { state: 'failed' | 'cancelled' } {
  if (isConsteliteError(error)) {
    const cause = error.extra.cause_code;
    return {
      state: error.code === 'JOB_CANCELLED' ? 'cancelled' : 'failed',
      error: error.message,
      code: error.code,
      causeCode: typeof cause === 'string' ? cause : null,
    };
  }
  return {
    state: 'failed',
    error: error instanceof Error ? error.message : String(error),
    code: 'INTERNAL_ERROR',
    causeCode: null,
  };
}

/**
 * The job uid an idempotency key stands for: a version-4-shaped UUID derived from the protocol
 * path and the key, so that every API instance (and every queue) maps one key to one job
 * without asking anyone. A key is only remembered as long as its job is retained.
 */
export async function idempotentJobUid(path: string, key: string): Promise<string> {
  // Web Crypto (not node:crypto), so that the API bundles for any runtime.
  const digest = await crypto.subtle.digest(
    'SHA-256',
    new TextEncoder().encode(`constelite-job\0${path}\0${key}`),
  );
  const bytes = new Uint8Array(digest).subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Normalizes what a protocol passes to `progress(fraction, message)`. */
export function jobProgress(fraction: number | null | undefined, message?: string | null): JobProgress {
  const clamped =
    typeof fraction === 'number' && Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : null;
  // A progress message is a status line, not a log: long ones are cut so that progress stays small.
  const text = typeof message === 'string' ? message.slice(0, MAX_PROGRESS_MESSAGE) : null;
  return { fraction: clamped, message: text };
}

/** The longest progress message kept, in characters. */
export const MAX_PROGRESS_MESSAGE = 500;

/** The size of a value's JSON text, in bytes (0 for `undefined`). */
export function jsonSize(value: unknown): number {
  const text = JSON.stringify(value);
  // TextEncoder rather than Node's Buffer, so that the API runs on any runtime.
  return text === undefined ? 0 : new TextEncoder().encode(text).length;
}

/**
 * Throws `PAYLOAD_TOO_LARGE` when `value`'s JSON is larger than `limit` bytes: a queue keeps
 * the arguments and the result of every retained job, so each is bounded (docs in the api README).
 */
export function checkStoredSize(
  what: 'arguments' | 'result',
  path: string,
  value: unknown,
  limit: number,
): void {
  const size = jsonSize(value);
  if (size > limit) {
    throw new PayloadTooLargeError(
      `The ${what} of protocol '${path}' take ${size} bytes as JSON; a job keeps at most ${limit} bytes of ${what}`,
      { extra: { protocol: path, size, limit } },
    );
  }
}
