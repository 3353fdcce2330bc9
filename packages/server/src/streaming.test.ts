import { ref } from '@constelite/core';
import { describe, expect, it } from 'vitest';
import { Cat, makeAPI, post, STORE_UID } from './test-fixtures.js';

describe('streamed answers share the event loop', () => {
  it('50 long answers being read at once encode one chunk per turn of the event loop between them, so other work moves between any two chunks', async () => {
    const made = makeAPI();
    const name = 'x'.repeat(2000);
    for (let i = 0; i < 300; i++) await made.store.put(ref(Cat({ name, age: i })));
    const body = { model_name: 'Cat', store: { uid: STORE_UID }, include_states: true };
    const answers = await Promise.all(Array.from({ length: 50 }, () => post(made.app, '/store/query', body)));
    // A probe that runs once per turn of the event loop, counting the chunks read since its last run.
    let chunks = 0;
    let mostBetweenTurns = 0;
    let probing = true;
    const probe = () => {
      mostBetweenTurns = Math.max(mostBetweenTurns, chunks);
      chunks = 0;
      if (probing) setImmediate(probe);
    };
    setImmediate(probe);
    const bytes = await Promise.all(
      answers.map(async (answer) => {
        expect(answer.status).toBe(201);
        const reader = (answer.body as ReadableStream<Uint8Array>).getReader();
        let read = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return read;
          chunks++;
          read += value.byteLength;
        }
      }),
    );
    probing = false;
    // Every answer is whole (a chunk is about 64 KiB, so each took several turns)...
    for (const length of bytes) expect(length).toBeGreaterThan(600_000);
    // ...and no turn of the event loop encoded chunks of many answers in a row (with a turn per
    // answer instead, all 50 answers' chunks came between two runs of the probe).
    expect(mostBetweenTurns).toBeLessThanOrEqual(2);
  });
});
