import type { JobOutcome } from '@constelite/api';

type Failure = JobOutcome & { state: 'failed' | 'cancelled' };

/**
 * How a failure is kept in BullMQ's `failedReason`: `[CODE] message` or `[CODE:CAUSE_CODE]
 * message`. It stays readable in any BullMQ dashboard and keeps the stable codes a client
 * matches on.
 */
export function encodeFailure(failure: Failure): string {
  const codes = failure.causeCode ? `${failure.code}:${failure.causeCode}` : failure.code;
  return `[${codes}] ${failure.error}`;
}

const ENCODED = /^\[([A-Z][A-Z0-9_]*)(?::([A-Z][A-Z0-9_]*))?\] ([\s\S]*)$/;

/** True for a `failedReason` written by `encodeFailure`. */
export function isEncodedFailure(reason: string): boolean {
  return ENCODED.test(reason);
}

/**
 * Reads a `failedReason`. One without codes was written by BullMQ itself: a job whose workers
 * died under it more often than `attempts` allows reads `JOB_STALLED`, anything else
 * `INTERNAL_ERROR`.
 */
export function decodeFailure(reason: string, job: { uid: string; path: string; attempts: number }): Failure {
  const match = ENCODED.exec(reason);
  if (match) {
    const code = match[1] as string;
    return {
      state: code === 'JOB_CANCELLED' ? 'cancelled' : 'failed',
      code,
      causeCode: match[2] ?? null,
      error: match[3] ?? '',
    };
  }
  if (/stalled|started more than/i.test(reason)) {
    return {
      state: 'failed',
      code: 'JOB_STALLED',
      causeCode: null,
      error: `Job ${job.uid} of protocol '${job.path}' did not finish in ${job.attempts} starts: its worker stopped under it each time (killed, or its event loop blocked for longer than the lock duration) (${reason})`,
    };
  }
  return {
    state: 'failed',
    code: 'INTERNAL_ERROR',
    causeCode: null,
    error: `Job ${job.uid} of protocol '${job.path}' failed: ${reason || 'no reason recorded'}`,
  };
}
