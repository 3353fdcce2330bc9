/**
 * `pnpm bench`: `client.store.iterate` over BENCH_RECORDS (default 100,000) records through the
 * HTTP client against an API in a child process. Prints the records per second and how much the
 * resident set size (RSS) of the API process and of the client grew while iterating (peak minus
 * the RSS before the first page; aim: under 100 MB each), for refs only and for refs with
 * states. Loopback only; nothing is asserted.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConsteliteClient } from '@constelite/client';
import { Page } from '../src/models.js';
import { MEMORY_STORE_UID } from '../src/store.js';

const PAGE_SIZE = Number(process.env.BENCH_PAGE_SIZE ?? 1000);
const MB = 1024 * 1024;

const child = fork(fileURLToPath(new URL('./iterate-server.ts', import.meta.url)), {
  stdio: 'inherit',
  execArgv: [...process.execArgv, '--expose-gc'],
});
child.once('exit', (code) => {
  if (code !== 0) {
    console.error(`bench: the API process exited with code ${code}`);
    process.exit(1);
  }
});
const started = Date.now();
const { url, records } = await new Promise<{ url: string; records: number }>((resolve) =>
  child.once('message', (message) => resolve(message as { url: string; records: number })),
);
console.log(`API: ${records} Page records in a memory store, ready after ${Date.now() - started} ms`);

function serverRss(): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (typeof message === 'object' && message !== null && 'rss' in message) {
        child.off('message', onMessage);
        resolve((message as { rss: number }).rss);
      }
    };
    child.on('message', onMessage);
    child.send('rss');
  });
}

const client = new ConsteliteClient({ url });

async function run(includeStates: boolean): Promise<void> {
  const serverBefore = await serverRss();
  const clientBefore = process.memoryUsage().rss;
  let serverPeak = serverBefore;
  let clientPeak = clientBefore;
  // Sampled while iterating: RSS grows and shrinks with garbage collection, the peak is what counts.
  let sampling: Promise<void> = Promise.resolve();
  const sampler = setInterval(() => {
    clientPeak = Math.max(clientPeak, process.memoryUsage().rss);
    sampling = sampling.then(async () => {
      serverPeak = Math.max(serverPeak, await serverRss());
    });
  }, 100);
  const start = performance.now();
  let count = 0;
  let last = -1;
  for await (const found of client.store.iterate({
    model: Page,
    store: { uid: MEMORY_STORE_UID },
    pageSize: PAGE_SIZE,
    includeStates,
  })) {
    count++;
    if (includeStates) last = found.state?.index ?? last;
  }
  const seconds = (performance.now() - start) / 1000;
  clearInterval(sampler);
  await sampling;
  clientPeak = Math.max(clientPeak, process.memoryUsage().rss);
  serverPeak = Math.max(serverPeak, await serverRss());
  if (count !== records) console.log(`  !! iterated ${count} records, expected ${records}`);
  const growth = (peak: number, before: number) => `${((peak - before) / MB).toFixed(1)} MB`;
  console.log(
    `iterate ${includeStates ? 'with states' : 'refs only  '} pageSize ${PAGE_SIZE}: ${count} records in ${seconds.toFixed(2)} s = ${Math.round(count / seconds)} records/s; RSS growth: API ${growth(serverPeak, serverBefore)} (${(serverBefore / MB).toFixed(0)} → peak ${(serverPeak / MB).toFixed(0)} MB), client ${growth(clientPeak, clientBefore)} (${(clientBefore / MB).toFixed(0)} → peak ${(clientPeak / MB).toFixed(0)} MB); aim < 100 MB each`,
  );
}

try {
  await run(false);
  await run(true);
} finally {
  child.removeAllListeners('exit');
  child.disconnect();
}
