import { NetworkError, ResponseTooLargeError } from '@constelite/core';

/**
 * Reading an answer's body with bounds: a size limit enforced chunk by chunk (so a compressed
 * answer that inflates without end is stopped after `maxBytes`, not buffered whole) and a
 * deadline that covers the body too (ky's own timeout stops once the headers have arrived).
 * See packages/client/README.md, "Limits of an answer".
 */
export interface BodyLimits {
  /** The URL the answer came from, for messages. */
  url: string;
  /** The most bytes (after decompression) read before giving up with `RESPONSE_TOO_LARGE`. */
  maxBytes: number;
  /** When the whole answer must have arrived (epoch ms), or `undefined` for no limit. */
  deadline: number | undefined;
  /** The timeout the deadline comes from, for messages. */
  timeoutMs: number | false;
  /** Aborted when reading stops early, to tear down the connection the body arrives on. */
  abort: AbortController;
  /** The caller's own signal: its abort stops the read with the caller's reason. */
  signal?: AbortSignal | undefined;
}

/** The answer's body as text, read within `limits`. */
export async function readText(response: Response, limits: BodyLimits): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  // Without content-encoding the length is the body's own; a compressed body is measured as it inflates.
  if (!response.headers.has('content-encoding') && declared > limits.maxBytes) {
    limits.abort.abort();
    void response.body?.cancel().catch(() => undefined);
    throw tooLarge(limits, declared);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const stop = stopSignal(limits);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), stop.promise]);
      if (done) break;
      size += value.byteLength;
      if (size > limits.maxBytes) throw tooLarge(limits, size);
      chunks.push(value);
    }
  } catch (error) {
    limits.abort.abort();
    void reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    stop.dispose();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(limits: BodyLimits, size: number): ResponseTooLargeError {
  return new ResponseTooLargeError(
    `POST ${limits.url} answered more than ${limits.maxBytes} bytes (at least ${size}); the client stopped reading. Raise the client's maxResponseBytes if such answers are expected, or page the request`,
    { extra: { url: limits.url, maxResponseBytes: limits.maxBytes } },
  );
}

/** A promise that rejects when the deadline passes or the caller aborts, whichever comes first. */
function stopSignal(limits: BodyLimits): { promise: Promise<never>; dispose: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    if (limits.deadline !== undefined) {
      timer = setTimeout(
        () =>
          reject(
            new NetworkError(`POST ${limits.url} did not answer within ${String(limits.timeoutMs)} ms`, {
              extra: { url: limits.url, timeoutMs: limits.timeoutMs },
            }),
          ),
        Math.max(0, limits.deadline - Date.now()),
      );
    }
    const signal = limits.signal;
    if (signal) {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  // The race above observes the rejection; this keeps a stop after the read from being unhandled.
  promise.catch(() => undefined);
  return {
    promise,
    dispose: () => {
      clearTimeout(timer);
      if (onAbort) limits.signal?.removeEventListener('abort', onAbort);
    },
  };
}
