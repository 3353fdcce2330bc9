import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

// SQLite copies the write-ahead log back into the database file ("checkpoint") inside the
// COMMIT that makes the log pass 1,000 pages. After a large write (a cascade of 100,000
// deletes) that copy took most of a second, and better-sqlite3 is synchronous, so it held the
// event loop. The driver turns automatic checkpoints off on its connection and has a worker
// thread, with a connection of its own, checkpoint instead: the copy then runs beside the
// event loop (docs/store-authors.md, "3. The transaction contract": long transactions).

/** The worker's code: CommonJS, run with `eval`, so that it needs no file of its own in dist or src. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
db.pragma('wal_autocheckpoint = 0');
parentPort.on('message', (message) => {
  if (message === 'checkpoint') {
    // PASSIVE: copies what it can without waiting for readers or writers of other connections.
    try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* another checkpoint holds the lock: it does the work */ }
    parentPort.postMessage('done');
  } else if (message === 'close') {
    db.close();
    parentPort.close();
  }
});
`;

/** How long `close()` waits for the worker to exit on its own before terminating it. */
const CLOSE_GRACE_MS = 2_000;

/** Checkpoints one WAL database file in a worker thread, started when the log first grows large. */
export class Checkpointer {
  readonly #path: string;
  readonly #thresholdBytes: number;
  readonly #onFailure: () => void;
  #worker: Worker | null = null;
  #exited: Promise<void> = Promise.resolve();
  /** A checkpoint was asked for and is not done; asks in between are dropped. */
  #pending = false;
  #closed = false;

  /**
   * For the WAL database at `path`: checkpoints once the log has grown past `thresholdBytes`
   * (SQLite's own default is 1,000 pages, about 4 MB). `onFailure` runs if the worker cannot
   * start or stops before `close`, so that the caller can turn SQLite's automatic
   * checkpoints back on.
   */
  constructor(path: string, onFailure: () => void, thresholdBytes = 4 * 1024 * 1024) {
    this.#path = path;
    this.#onFailure = onFailure;
    this.#thresholdBytes = thresholdBytes;
  }

  /** Call after every write commit: asks for a checkpoint if the log has grown past the threshold. */
  poke(): void {
    if (this.#closed || this.#pending) return;
    let size = 0;
    try {
      size = statSync(`${this.#path}-wal`).size;
    } catch {
      return;
    }
    if (size < this.#thresholdBytes) return;
    const worker = this.#worker ?? this.#start();
    if (!worker) return;
    this.#pending = true;
    worker.postMessage('checkpoint');
  }

  #start(): Worker | null {
    try {
      const module = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path: this.#path, module } });
      // The worker never keeps the process alive on its own.
      worker.unref();
      worker.on('error', () => undefined);
      worker.on('message', () => {
        this.#pending = false;
      });
      this.#exited = new Promise<void>((resolve) =>
        worker.once('exit', () => {
          if (!this.#closed) this.#fail();
          resolve();
        }),
      );
      this.#worker = worker;
      return worker;
    } catch {
      this.#fail();
      return null;
    }
  }

  #fail(): void {
    this.#closed = true;
    this.#onFailure();
  }

  /**
   * Stops the worker after its running checkpoint, closing its connection. A worker that has
   * not exited `CLOSE_GRACE_MS` after being asked (one still loading its module on a busy
   * machine, say) is terminated: a checkpoint is only a copy of committed pages, which SQLite
   * redoes from the log, so nothing is lost and `close()` never hangs.
   */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!this.#closed) {
      this.#closed = true;
      // Held until it exits, so that the process does not end with `close()` still pending.
      worker?.ref();
      worker?.postMessage('close');
    }
    const timer = worker ? setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS) : null;
    try {
      await this.#exited;
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
