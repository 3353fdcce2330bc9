import { isConsteliteError, JobsUnavailableError, ValidationError } from '@constelite/core';
import { Redis, type RedisOptions } from 'ioredis';

/** Where the queue's Redis is, parsed from its URL. */
export interface RedisAddress {
  /** `host:port`, the form error messages name. */
  address: string;
  /** The ioredis options the URL stands for. */
  options: RedisOptions;
}

/** The Redis a queue uses when none is named. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Parses `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS) into ioredis
 * options; anything else is `VALIDATION_FAILED` naming the URL.
 */
export function parseRedisUrl(url: string): RedisAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError(
      `The job queue's Redis URL '${url}' is not a URL; give redis://HOST:PORT (e.g. ${DEFAULT_REDIS_URL})`,
      { extra: { url } },
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new ValidationError(
      `The job queue's Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//`,
    );
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = parsed.port ? Number(parsed.port) : 6379;
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  return {
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    options: {
      host,
      port,
      db: Number.isInteger(db) ? db : 0,
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/**
 * Opens an ioredis connection and waits until it is ready; `JOBS_UNAVAILABLE` naming
 * `host:port` when it is not within `timeoutMs`. The connection reconnects by itself later.
 */
export async function connectRedis(
  target: RedisAddress,
  options: RedisOptions,
  timeoutMs: number,
  what: string,
): Promise<Redis> {
  const client = new Redis({
    ...target.options,
    ...options,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    // Reconnect for ever, at most every 2 s: a Redis restart is survived without a restart here.
    retryStrategy: (times) => Math.min(times * 100, 2000),
  });
  // An ioredis client without an 'error' listener would crash the process on a lost connection.
  const errors: Error[] = [];
  const collect = (error: Error) => errors.push(error);
  client.on('error', collect);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    client.disconnect();
    const reason = errors[0]?.message ?? (error instanceof Error ? error.message : String(error));
    throw unavailable(target.address, what, reason, error);
  } finally {
    clearTimeout(timer);
    client.off('error', collect);
  }
  return client;
}

/** The `JOBS_UNAVAILABLE` error of a Redis that cannot be reached. */
export function unavailable(
  address: string,
  what: string,
  reason: string,
  cause?: unknown,
): JobsUnavailableError {
  return new JobsUnavailableError(`The job queue's Redis at ${address} is unavailable (${what}): ${reason}`, {
    cause,
    extra: { address },
  });
}

const CONNECTION_FAILURE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|Connection is closed|isn't writeable|timed out|max retries|MaxRetriesPerRequest|connect|LOADING|READONLY/i;

/** Maps a failure of a Redis call: a lost connection becomes `JOBS_UNAVAILABLE` naming `host:port`. */
export function redisFailure(error: unknown, address: string, what: string): unknown {
  if (isConsteliteError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return CONNECTION_FAILURE.test(message) ? unavailable(address, what, message, error) : error;
}
