import type { StorageTransaction } from '@constelite/store';
import { describe, expect, it } from 'vitest';
import { MemoryDriver } from '../src/index.js';

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const record = (uid: string) => ({ uid, model: 'Row', fields: { n: 1 } });

describe('MemoryDriver transactions', () => {
  it('runs read transactions together: a read does not wait for the reads before it', async () => {
    const driver = new MemoryDriver();
    const second = gate();
    const order: string[] = [];
    const first = driver.transaction('read', async () => {
      order.push('first starts');
      await second.opened; // only the second read opens it: queued behind this one, it never would
      order.push('first ends');
    });
    await driver.transaction('read', async () => {
      order.push('second runs');
      second.open();
    });
    await first;
    expect(order).toEqual(['first starts', 'second runs', 'first ends']);
  });

  it('runs a write alone: it waits for the reads before it, and the reads after it wait for it', async () => {
    const driver = new MemoryDriver();
    const reading = gate();
    const writing = gate();
    const order: string[] = [];
    const read1 = driver.transaction('read', async () => {
      order.push('read 1 starts');
      await reading.opened;
      order.push('read 1 ends');
    });
    const write = driver.transaction('write', async (tx) => {
      order.push('write starts');
      await tx.createRecord(record('a'));
      await writing.opened;
      order.push('write ends');
    });
    const read2 = driver.transaction('read', async (tx: StorageTransaction) => {
      order.push('read 2 starts');
      return tx.readRecord('a');
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['read 1 starts']);
    reading.open();
    await read1;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(order).toEqual(['read 1 starts', 'read 1 ends', 'write starts']);
    writing.open();
    await write;
    // The read asked for after the write sees it committed.
    expect(await read2).toMatchObject({ uid: 'a', fields: { n: 1 } });
    expect(order).toEqual(['read 1 starts', 'read 1 ends', 'write starts', 'write ends', 'read 2 starts']);
  });

  it('a read never sees the writes of a write that runs or that fails', async () => {
    const driver = new MemoryDriver();
    const writing = gate();
    const failed = driver.transaction('write', async (tx) => {
      await tx.createRecord(record('b'));
      await writing.opened;
      throw new Error('no');
    });
    const seen = driver.transaction('read', (tx) => tx.readRecord('b'));
    writing.open();
    await expect(failed).rejects.toThrow('no');
    expect(await seen).toBeNull();
    expect(driver.size).toBe(0);
  });

  it('many reads and writes asked for at once all run, in order for each kind', async () => {
    const driver = new MemoryDriver();
    const seen: (number | null)[] = [];
    const calls: Promise<unknown>[] = [];
    for (let index = 0; index < 30; index++) {
      if (index % 3 === 0) {
        calls.push(
          driver.transaction('write', async (tx) => {
            await tx.createRecord(record(`r${index}`));
          }),
        );
      } else {
        calls.push(
          driver.transaction('read', async (tx) => {
            await Promise.resolve();
            seen.push((await tx.getModels([...Array(30).keys()].map((n) => `r${n}`))).size);
          }),
        );
      }
    }
    await Promise.all(calls);
    // Each read sees the writes asked for before it, and none after.
    expect(seen).toEqual([...Array(20).keys()].map((n) => Math.floor(n / 2) + 1));
    expect(driver.size).toBe(10);
  });
});
