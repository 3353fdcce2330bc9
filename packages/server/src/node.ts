import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
  /**
   * On close, how long a kept-alive connection may stay idle before it is closed, in
   * milliseconds: a request the client sends on it meanwhile is still answered (with
   * `Connection: close`) instead of being reset. Default: 1000.
   */
  drainMs?: number;
  /**
   * A connection whose client takes none of the waiting answer for this long is dropped, in
   * milliseconds: a client that stops reading cannot pin the answer's memory. A request still
   * being worked on is never dropped for taking long. Default: 30 000; 0 disables.
   */
  stallTimeoutMs?: number;
}

/**
 * Serves a Hono app on Node at `host:port` (port 0 picks a free one). SIGINT and SIGTERM close
 * the server gracefully: no new connections; every request the server has received is
 * answered (also one arriving on a kept-alive connection during the close); idle connections
 * close after `drainMs`; then the signal's default action runs (unless the application
 * listens for it too).
 */
export async function serveNode(
  app: Pick<Hono, 'fetch'>,
  host: string,
  port: number,
  options: ServeNodeOptions = {},
): Promise<RunningServer> {
  const drainMs = options.drainMs ?? 1000;
  const server = await new Promise<Server>((resolve, reject) => {
    const created = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(created as Server));
    created.once('error', reject);
  });
  const stallTimeoutMs = options.stallTimeoutMs ?? 30_000;
  // Which connections are answering a request, since when the others are idle, and when each
  // last took bytes of an answer.
  const sockets = new Map<Socket, { busy: number; idleSince: number; written: number; movedAt: number }>();
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { busy: 0, idleSince: Date.now(), written: 0, movedAt: Date.now() });
    socket.once('close', () => sockets.delete(socket));
  });
  // A connection with answer bytes waiting that its client has not taken for stallTimeoutMs is
  // dropped: a client that stops reading must not pin the answer's memory. A request that is
  // still being worked on (nothing written yet) is never dropped for taking long.
  const stallSweep =
    stallTimeoutMs > 0
      ? setInterval(
          () => {
            const now = Date.now();
            for (const [socket, state] of sockets) {
              if (socket.bytesWritten !== state.written || socket.writableLength === 0) {
                state.written = socket.bytesWritten;
                state.movedAt = now;
              } else if (now - state.movedAt >= stallTimeoutMs) {
                socket.destroy();
              }
            }
          },
          Math.max(10, Math.min(1000, stallTimeoutMs / 4)),
        )
      : null;
  stallSweep?.unref();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const state = sockets.get(request.socket);
    if (!state) return;
    state.busy++;
    response.once('close', () => {
      state.busy--;
      state.idleSince = Date.now();
    });
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
      // Node's close() drops idle kept-alive connections at once, resetting a request the
      // client may be sending on one at that moment; they are closed below once idle for drainMs.
      server.closeIdleConnections = () => {};
      const sweep = setInterval(
        () => {
          const now = Date.now();
          for (const [socket, state] of sockets) {
            if (state.busy === 0 && now - state.idleSince >= drainMs) socket.end();
          }
        },
        Math.max(5, Math.min(50, drainMs / 4)),
      );
      server.close((error) => {
        clearInterval(sweep);
        if (stallSweep) clearInterval(stallSweep);
        if (error) reject(error);
        else resolve();
      });
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
