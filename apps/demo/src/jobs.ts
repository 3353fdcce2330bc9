import { BullMQJobQueue } from '@constelite/jobs-bullmq';

/**
 * The demo's job queue, chosen by `CONSTELITE_JOBS_URL`: unset, the API keeps its jobs in
 * memory and runs them itself; `redis://HOST:PORT`, jobs go to Redis (BullMQ) and
 * `pnpm demo:worker` processes run them. `CONSTELITE_JOBS_QUEUE` names the queue (default
 * `constelite-jobs`), so that two demos can share one Redis.
 */
export function jobsFromEnv(env: Record<string, string | undefined> = process.env): BullMQJobQueue | null {
  const url = env.CONSTELITE_JOBS_URL?.trim();
  if (!url) return null;
  return new BullMQJobQueue({ url, name: env.CONSTELITE_JOBS_QUEUE?.trim() || undefined });
}

/** `jobsFromEnv`, connected: an unreachable Redis stops the process at start-up with `JOBS_UNAVAILABLE` naming host:port. */
export async function openJobsFromEnv(
  env: Record<string, string | undefined> = process.env,
): Promise<BullMQJobQueue | null> {
  const queue = jobsFromEnv(env);
  if (!queue) return null;
  try {
    await queue.open();
  } catch (error) {
    await queue.close();
    throw error;
  }
  return queue;
}
