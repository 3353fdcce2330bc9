import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Checkpointer } from './checkpointer.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A WAL database whose log has grown past 1 MiB (automatic checkpoints off). */
function bigLog(): { path: string; db: Database.Database } {
  dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  const path = join(dir, 'big.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (v TEXT)');
  const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
  db.transaction(() => {
    for (let index = 0; index < 2000; index++) insert.run('x'.repeat(1000));
  })();
  return { path, db };
}

describe('Checkpointer', () => {
  it('copies a large log into the database file off the event loop, then close() ends its worker', async () => {
    const { path, db } = bigLog();
    const failures: string[] = [];
    const checkpointer = new Checkpointer(path, () => failures.push('failed'), 1024 * 1024);
    checkpointer.poke();
    // Until the worker has copied the log, the database file holds only its first pages.
    expect(statSync(path).size).toBeLessThan(100_000);
    for (let wait = 0; wait < 400 && statSync(path).size < 2000 * 1000; wait++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    await checkpointer.close();
    expect(failures).toEqual([]);
    expect(statSync(path).size).toBeGreaterThan(2000 * 1000);
    db.close();
  });

  it('close() right after the first poke (the worker still starting) resolves, twice', async () => {
    const { path, db } = bigLog();
    const checkpointer = new Checkpointer(path, () => undefined, 1024 * 1024);
    checkpointer.poke();
    await checkpointer.close();
    await checkpointer.close();
    expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 2000 });
    db.close();
  });
});
