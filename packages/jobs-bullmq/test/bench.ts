// `pnpm bench`: jobs per second end to end through a Constelite API (HTTP submit, BullMQ,
// two worker processes running a no-op protocol), against bare BullMQ (`queue.add`, two worker
// processes with a no-op processor) on the same Redis in the same run, and the
// submit-to-success latency of each. Starts its own throwaway Redis. Not a test: it prints
// numbers and asserts nothing.
import { randomUUID } from 'node:crypto';
import { startRedis } from '@constelite/test-services/redis';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { type RoleProcess, startRole } from './processes.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 3000);
const WARMUP = 200;
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const CONCURRENCY = String(process.env.BENCH_CONCURRENCY ?? 8);

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Submits `count` jobs with `IN_FLIGHT` submissions at a time and waits until every one has
 * completed, as the queue's event stream reports it (the same observer for both subjects).
 * Latency: from the start of a job's submission to its completion event.
 */
async function measure(
  redisUrl: string,
  name: string,
  count: number,
  submit: (index: number) => Promise<string>,
): Promise<Result> {
  // Read the event stream from its current end, so that no completion of this round is missed.
  const probe = new Redis(redisUrl);
  const [last] = (await probe.xrevrange(`constelite:${name}:events`, '+', '-', 'COUNT', 1)) as [
    string,
    unknown,
  ][];
  probe.disconnect();
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const events = new QueueEvents(name, {
    connection,
    prefix: 'constelite',
    lastEventId: last?.[0] ?? '0-0',
  });
  await events.waitUntilReady();
  const submittedAt = new Map<string, number>();
  const completedAt = new Map<string, number>();
  let allDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  events.on('completed', ({ jobId }) => {
    completedAt.set(jobId, performance.now());
    if (completedAt.size >= count) allDone();
  });
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        const index = next++;
        const at = performance.now();
        const uid = await submit(index);
        submittedAt.set(uid, at);
      }
    }),
  );
  const stuck = setTimeout(() => {
    console.error(`${name}: ${completedAt.size} of ${count} completed after 60 s`);
    process.exit(1);
  }, 60_000);
  await done;
  clearTimeout(stuck);
  const elapsed = (performance.now() - started) / 1000;
  await events.close();
  connection.disconnect();
  const latencies = [...completedAt]
    .map(([uid, at]) => at - (submittedAt.get(uid) ?? at))
    .sort((a, b) => a - b);
  return { perSecond: count / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const processes: RoleProcess[] = [];
  try {
    // Bare BullMQ: the engine's own rate on this machine.
    const bareName = `bench-bare-${randomUUID()}`;
    const bareEnv = { REDIS_URL: redis.url, QUEUE_NAME: bareName, CONCURRENCY };
    for (let i = 0; i < 2; i++) processes.push(await startRole('bare-worker', bareEnv));
    const producer = new Redis(redis.url);
    const bareQueue = new Queue(bareName, { connection: producer, prefix: 'constelite' });
    const bareAdd = async () => {
      const job = await bareQueue.add(
        'noop',
        {},
        { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } },
      );
      return job.id as string;
    };
    await measure(redis.url, bareName, WARMUP, bareAdd);
    const bare = await measure(redis.url, bareName, JOBS, bareAdd);
    await bareQueue.close();
    producer.disconnect();

    // Through the API: HTTP submit to one API process, two worker processes, the `noop` protocol.
    const apiName = `bench-api-${randomUUID()}`;
    const env = {
      REDIS_URL: redis.url,
      QUEUE_NAME: apiName,
      CONCURRENCY,
      LOG_LEVEL: 'warn',
      MAX_QUEUED: String(JOBS * 2),
    };
    const api = await startRole('api', env);
    processes.push(api);
    for (let i = 0; i < 2; i++) processes.push(await startRole('worker', env));
    const body = new TextEncoder().encode(JSON.stringify({ args: {}, logger: null }));
    const apiSubmit = async () => {
      const response = await fetch(`${api.url}/jobs/noop`, { method: 'POST', body });
      const job = (await response.json()) as { uid: string };
      if (response.status !== 201)
        throw new Error(`submit answered ${response.status}: ${JSON.stringify(job)}`);
      return job.uid;
    };
    await measure(redis.url, apiName, WARMUP, apiSubmit);
    const through = await measure(redis.url, apiName, JOBS, apiSubmit);

    const fmt = (value: number, digits = 0) => value.toFixed(digits);
    console.log(
      `Jobs through BullMQ on one Redis: ${JOBS} no-op jobs, ${IN_FLIGHT} submissions in flight, two worker processes (concurrency ${CONCURRENCY} each)\n`,
    );
    console.log('subject                          jobs/s   submit→success p50   p99');
    console.log(
      `bare BullMQ (queue.add, no-op)   ${fmt(bare.perSecond).padStart(6)}   ${fmt(bare.p50, 1).padStart(15)} ms   ${fmt(bare.p99, 1).padStart(6)} ms`,
    );
    console.log(
      `Constelite API (HTTP, protocol)  ${fmt(through.perSecond).padStart(6)}   ${fmt(through.p50, 1).padStart(15)} ms   ${fmt(through.p99, 1).padStart(6)} ms`,
    );
    console.log(`\nratio API / bare BullMQ: ${fmt(through.perSecond / bare.perSecond, 2)}× (aim ≥ 0.5×)`);
  } finally {
    for (const process of processes) await process.stop();
    await redis.stop();
  }
}

await main();
process.exit(0);
