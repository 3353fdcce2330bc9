/**
 * `pnpm bench`: requests per second of /store/get and /store/put against a bare Hono route doing
 * the same Map work with JSON in and out, on the same Node server (a child process), with the same
 * load generator (autocannon), in the same run. Prints ratios and p99 latencies. Loopback only.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 2);
/** Rounds alternate bare and Constelite runs, so that a noisy neighbour hurts both alike; medians are printed. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;

const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), { stdio: 'inherit' });
const timeout = setTimeout(() => {
  console.error('bench: the server did not start within 30 s');
  child.kill();
  process.exit(1);
}, 30_000);
const { url, saved } = await new Promise<{ url: string; saved: Record<string, unknown> }>((resolve) =>
  child.once('message', (message) => resolve(message as { url: string; saved: Record<string, unknown> })),
);
clearTimeout(timeout);

const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';
const getBody = JSON.stringify({ ref: saved });
const putBody = JSON.stringify({
  ref: {
    record: null,
    guid: null,
    state: { model_name: 'Cat', name: 'Tom', age: 2 },
    state_model_name: 'Cat',
    model_name: 'Ref',
  },
  store: { uid: STORE_UID, name: 'Memory store' },
});

interface Measure {
  rps: number;
  p99: number;
  errors: number;
}

async function measure(path: string, body: string, duration = DURATION_S): Promise<Measure> {
  const result = await autocannon({
    url: `${url}${path}`,
    method: 'POST',
    body,
    connections: CONNECTIONS,
    duration,
  });
  const errors = result.errors + result.timeouts + result.non2xx;
  return { rps: result.requests.average, p99: result.latency.p99, errors };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

try {
  // Warm up both sides (JIT, caches) before anything is measured.
  for (const [path, body] of [
    ['/store/get', getBody],
    ['/bare/get', getBody],
    ['/store/put', putBody],
    ['/bare/put', putBody],
  ] as const) {
    await measure(path, body, 1);
  }
  const runs = { get: [] as [Measure, Measure][], put: [] as [Measure, Measure][] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, body] of [
      ['get', getBody],
      ['put', putBody],
    ] as const) {
      const bare = await measure(`/bare/${name}`, body);
      const constelite = await measure(`/store/${name}`, body);
      runs[name].push([constelite, bare]);
    }
  }
  console.log(
    `\nautocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s, one Node server (child process); medians\n`,
  );
  console.log('endpoint      constelite req/s  p99 ms   bare Hono req/s  p99 ms   ratio  target');
  for (const name of ['get', 'put'] as const) {
    const rounds = runs[name];
    const ratio = median(rounds.map(([constelite, bare]) => constelite.rps / bare.rps));
    const target = name === 'get' ? 0.8 : 0.7;
    const cell = (values: number[], width: number, digits = 0) =>
      median(values).toFixed(digits).padStart(width);
    console.log(
      `/store/${name.padEnd(6)} ${cell(
        rounds.map(([c]) => c.rps),
        17,
      )} ${cell(
        rounds.map(([c]) => c.p99),
        7,
      )} ${cell(
        rounds.map(([, b]) => b.rps),
        16,
      )} ${cell(
        rounds.map(([, b]) => b.p99),
        7,
      )}   ${ratio.toFixed(2)}x  ${ratio >= target ? '>=' : '<'} ${target}x`,
    );
    console.log(`  ratio per round: ${rounds.map(([c, b]) => (c.rps / b.rps).toFixed(2)).join(', ')}`);
    const errors = rounds.reduce((sum, [c, b]) => sum + c.errors + b.errors, 0);
    if (errors > 0) console.log(`  errors or non-2xx answers: ${errors}`);
  }
} finally {
  child.disconnect();
  child.kill();
}
