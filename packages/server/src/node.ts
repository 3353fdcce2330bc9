import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';

/** A running server, from `serveNode` or `HonoAPI.run`. */
export interface RunningServer {
  /** The URL the server answers at (with the real port when 0 was asked). */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** Options of `serveNode`. */
export interface ServeNodeOptions {
  /** Where a failure to close is reported. Default: `console.error`. */
  onCloseError?: (message: string) => void;
}

/**
 * Serves a Hono app on Node at `host:port` (port 0 picks a free one). SIGINT and SIGTERM close
 * the server gracefully: no new connections, in-flight requests finish, then the signal's
 * default action runs (unless the application listens for it too).
 */
export async function serveNode(
  app: Pick<Hono, 'fetch'>,
  host: string,
  port: number,
  options: ServeNodeOptions = {},
): Promise<RunningServer> {
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(created as Server));
    created.once('error', reject);
  });
  const { port: actual } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve, reject) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // Requests still arriving on kept-alive sockets are answered, then their socket closes.
      server.on('request', (_request, response) => response.setHeader('Connection', 'close'));
      // Sockets of in-flight requests turn idle once answered: close them then, not at the keep-alive timeout.
      const sweep = setInterval(() => server.closeIdleConnections(), 25);
      server.close((error) => {
        clearInterval(sweep);
        if (error) reject(error);
        else resolve();
      });
      server.closeIdleConnections();
    });
    return closed;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    close().then(
      () => {
        // Our listener replaced the default action; once drained, let the signal do what it would have done.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      },
      (error: unknown) => {
        (options.onCloseError ?? console.error)(`Closing ${url} failed: ${String(error)}`);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return { url, close };
}

/** Anything that serves a Hono app: a `HonoAPI` is one. */
export interface ServesApp {
  readonly app: Pick<Hono, 'fetch'>;
  getLogger?(): { error(message: string): void };
}

/**
 * Serves a Constelite API on Node: `await run(api, 'localhost', 8001)`. The same as
 * `serveNode(api.app, host, port)`, with close failures logged to the API's default logger.
 */
export function run(api: ServesApp, host: string, port: number): Promise<RunningServer> {
  const logger = api.getLogger?.();
  return serveNode(api.app, host, port, logger ? { onCloseError: (message) => logger.error(message) } : {});
}
