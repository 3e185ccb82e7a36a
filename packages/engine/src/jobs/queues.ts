import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectionErrorLogger } from '../redis';
import { jobDefinition, QUEUES, type JobName, type JobPayload, type QueueName } from './catalog';

export type Queues = Record<QueueName, Queue>;

export function createQueues(connection: Redis, prefix: string): Queues {
  const queues = {} as Queues;
  for (const name of Object.values(QUEUES)) {
    queues[name] = new Queue(name, { connection, prefix });
    // Unheard, BullMQ prints each failed reconnection while Redis is away.
    queues[name].on('error', connectionErrorLogger(`queue ${name}`));
  }
  return queues;
}

/**
 * Enqueue a job of the catalog. Validates the payload; fails loudly if Redis does.
 * `retry` overrides the catalog's attempts/backoff (tests use short backoffs).
 */
export async function enqueue<N extends JobName>(
  queues: Queues,
  name: N,
  payload: JobPayload<N>,
  options: { delayMs?: number; retry?: Pick<JobsOptions, 'attempts' | 'backoff'> } = {},
): Promise<string> {
  const definition = jobDefinition(name);
  const data = definition.payload.parse(payload);
  const jobId = definition.jobId(data);
  await queues[definition.queue].add(name, data, {
    ...definition.options,
    ...options.retry,
    jobId,
    ...(options.delayMs ? { delay: Math.max(0, Math.round(options.delayMs)) } : {}),
  });
  return jobId;
}

/** Remove a queued (waiting or delayed) job; an active one is left to the control bus. */
export async function removeQueuedJob<N extends JobName>(
  queues: Queues,
  name: N,
  payload: JobPayload<N>,
): Promise<boolean> {
  const definition = jobDefinition(name);
  const jobId = definition.jobId(payload);
  const queue = queues[definition.queue];
  const job = await queue.getJob(jobId);
  if (!job) return false;
  const state = await job.getState();
  if (
    state !== 'waiting' &&
    state !== 'delayed' &&
    state !== 'prioritized' &&
    state !== 'waiting-children'
  )
    return false;
  const removed = await queue.remove(jobId);
  return removed === 1;
}

const FINISHED = new Set(['completed', 'failed']);

/**
 * Queue the turn an agent needs. A finished job with the same id (a turn that
 * was aborted by a pause, or blocked on a human decision) is stale: it is
 * replaced. A waiting, delayed or active one is left alone.
 */
export async function enqueueTurn(
  queues: Queues,
  payload: JobPayload<'agent.turn'>,
): Promise<void> {
  const definition = jobDefinition('agent.turn');
  const queue = queues[definition.queue];
  const existing = await queue.getJob(definition.jobId(payload));
  if (existing && FINISHED.has(await existing.getState())) await existing.remove();
  await enqueue(queues, 'agent.turn', payload);
}
