/** The logger a protocol receives. Every method takes a message and optional structured fields. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * Builds a logger for one protocol call from the `logger_kwargs` the caller sent
 * (`{logger_name, logger_kwargs}` on the wire selects the factory by name).
 */
export type LoggerFactory = (kwargs: Record<string, unknown>) => Logger;

/** The level of a log line. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Options of `consoleLogger`. */
export interface ConsoleLoggerOptions {
  /** Lines below this level are dropped. Default: `'info'`. */
  level?: LogLevel;
  /** Where a finished line goes. Default: `console.log` (warn and error: `console.error`). */
  write?: (line: string, level: LogLevel) => void;
}

const levels: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function defaultWrite(line: string, level: LogLevel): void {
  if (levels[level] >= levels.warn) console.error(line);
  else console.log(line);
}

/**
 * A logger factory that writes one JSON object per line (`{time, level, msg, ...fields}`), the
 * format log collectors read. The kwargs of the call are bound to every line; `level` in the
 * kwargs overrides the factory's level. Neither the caller's kwargs nor a protocol's fields can
 * overwrite the line's own `time`, `level` and `msg`, and kwargs never overwrite the fields the
 * API adds (the protocol path, the job uid).
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): LoggerFactory {
  const write = options.write ?? defaultWrite;
  return (kwargs) => {
    const { level: requested, ...bound } = kwargs;
    const threshold =
      levels[
        typeof requested === 'string' && requested in levels
          ? (requested as LogLevel)
          : (options.level ?? 'info')
      ];
    const log =
      (level: LogLevel) =>
      (message: string, fields?: Record<string, unknown>): void => {
        if (levels[level] < threshold) return;
        write(JSON.stringify(logLine(level, message, fields, bound)), level);
      };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  };
}

const ownFields = new Set(['time', 'level', 'msg']);

/** One log line: its own fields first, then the caller's fields, then the bound kwargs, none overwriting an earlier one. */
function logLine(
  level: LogLevel,
  message: string,
  fields: Record<string, unknown> | undefined,
  bound: Record<string, unknown>,
): Record<string, unknown> {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message };
  for (const source of [fields ?? {}, bound]) {
    for (const [key, value] of Object.entries(source)) {
      if (ownFields.has(key) || Object.hasOwn(line, key)) continue;
      // defineProperty, so that a key such as `__proto__` stays a field of the line.
      Object.defineProperty(line, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  return line;
}
