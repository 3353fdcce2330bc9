// `pnpm bench`: jobs per second end to end through a Constelite API (HTTP submit, BullMQ,
// two worker processes running a no-op protocol), against bare BullMQ (`queue.add`, two worker
// processes with a no-op processor) on the same Redis in the same run, and the
// submit-to-success latency of each. Starts its own throwaway Redis. Not a test: it prints
// numbers and asserts nothing.
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { startRedis } from '@constelite/test-services/redis';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { type RoleProcess, startRole } from './processes.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 3000);
const WARMUP = 1000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 64);
const CONCURRENCY = String(process.env.BENCH_CONCURRENCY ?? 8);

interface Result {
  perSecond: number;
  /** How fast the submissions alone went (they run ahead of the workers when the workers are the limit). */
  submitPerSecond: number;
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
  const submitted = performance.now();
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
  return {
    perSecond: count / elapsed,
    submitPerSecond: count / ((submitted - started) / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

/** A keep-alive HTTP POST (node:http: a lighter client than fetch, so that the API, not the client, is measured). */
function post(agent: Agent, url: URL, path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const sent = request(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: 'POST',
        agent,
        headers: { 'content-length': body.length },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const processes: RoleProcess[] = [];
  try {
    // Bare BullMQ: `queue.add` from this process, two worker processes with a no-op processor.
    const bareName = `bench-bare-${randomUUID()}`;
    const bareEnv = { REDIS_URL: redis.url, QUEUE_NAME: bareName, CONCURRENCY };
    for (let i = 0; i < 2; i++) processes.push(await startRole('bare-worker', bareEnv));
    const producer = new Redis(redis.url);
    const bareQueue = new Queue(bareName, { connection: producer, prefix: 'constelite' });
    // The same retention as the Constelite queue's defaults (1 hour, 1000 jobs): both do the same work.
    const keep = { age: 3600, count: 1000 };
    const bareAdd = async () => {
      const job = await bareQueue.add('noop', {}, { removeOnComplete: keep, removeOnFail: keep });
      return job.id as string;
    };

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
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    const apiUrl = new URL(api.url);
    const body = Buffer.from(JSON.stringify({ args: {}, logger: null }));
    const apiSubmit = async () => {
      const answer = await post(agent, apiUrl, '/jobs/noop', body);
      if (answer.status !== 201) throw new Error(`submit answered ${answer.status}: ${answer.text}`);
      return (JSON.parse(answer.text) as { uid: string }).uid;
    };

    // Warm both up (JIT, connections), then alternate rounds so that both see the same machine.
    await measure(redis.url, bareName, WARMUP, bareAdd);
    await measure(redis.url, apiName, WARMUP, apiSubmit);
    const bareRounds: Result[] = [];
    const apiRounds: Result[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bareRounds.push(await measure(redis.url, bareName, JOBS, bareAdd));
      apiRounds.push(await measure(redis.url, apiName, JOBS, apiSubmit));
    }
    await bareQueue.close();
    producer.disconnect();
    agent.destroy();

    const best = (rounds: Result[]) => rounds.reduce((a, b) => (b.perSecond > a.perSecond ? b : a));
    const bare = best(bareRounds);
    const through = best(apiRounds);
    const fmt = (value: number, digits = 0) => value.toFixed(digits);
    const row = (label: string, result: Result) =>
      `${label.padEnd(34)}${fmt(result.perSecond).padStart(6)}   ${fmt(result.submitPerSecond).padStart(8)}   ${fmt(result.p50, 1).padStart(8)} ms   ${fmt(result.p99, 1).padStart(8)} ms`;
    console.log(
      `Jobs through BullMQ on one Redis: ${JOBS} no-op jobs a round, ${IN_FLIGHT} submissions in flight, two worker processes (concurrency ${CONCURRENCY} each), ${ROUNDS} alternating rounds\n`,
    );
    console.log(`${'subject (round)'.padEnd(34)}jobs/s   submits/s   submit→success p50        p99`);
    for (let round = 0; round < ROUNDS; round++) {
      console.log(row(`bare BullMQ (${round + 1})`, bareRounds[round] as Result));
      console.log(row(`through the API (${round + 1})`, apiRounds[round] as Result));
    }
    console.log(
      `\nbest rounds: API ${fmt(through.perSecond)} jobs/s (p50 ${fmt(through.p50, 1)} ms, p99 ${fmt(through.p99, 1)} ms), bare BullMQ ${fmt(bare.perSecond)} jobs/s`,
    );
    console.log(`ratio API / bare BullMQ: ${fmt(through.perSecond / bare.perSecond, 2)}× (aim ≥ 0.5×)`);
  } finally {
    for (const process of processes) await process.stop();
    await redis.stop();
  }
}

await main();
process.exit(0);
