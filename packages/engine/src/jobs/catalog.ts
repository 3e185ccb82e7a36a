import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

/**
 * The one catalog of job types. Each entry: its dotted name, the queue it runs
 * on, a zod payload (ids only — the database row is the truth), the rule that
 * derives its job id, and its retry and removal policy. Consumers parse the
 * payload on pickup; an unknown or invalid job fails loudly.
 */
export const QUEUES = {
  turns: 'agent-turns',
  /** Delayed jobs that fire at a time: approval warnings and expiries. */
  timers: 'timers',
  /** Outgoing webhooks. */
  notifications: 'notifications',
  /** Deterministic re-runs of recorded runs (long, one at a time per worker). */
  replays: 'replays',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

interface JobDefinition<P extends z.ZodType> {
  queue: QueueName;
  payload: P;
  jobId: (payload: z.infer<P>) => string;
  options: JobsOptions;
}

function defineJob<P extends z.ZodType>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export const JOBS = {
  /** Run one turn of one agent: load state, call the model, run tools, append events. */
  'agent.turn': defineJob({
    queue: QUEUES.turns,
    payload: z
      .object({
        runId: z.uuid(),
        agentId: z.uuid(),
        turn: z.number().int().positive(),
      })
      .strict(),
    // Derived from (run, agent, turn): a retry or a duplicate enqueue cannot fork the run.
    jobId: (p) => `turn_${p.runId}_${p.agentId}_${p.turn}`,
    options: {
      attempts: 3,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  }),
  /** Warn that an approval will expire soon (a no-op once it is decided). */
  'approval.warn': defineJob({
    queue: QUEUES.timers,
    payload: z.object({ runId: z.uuid(), approvalId: z.uuid() }).strict(),
    jobId: (p) => `approval-warn_${p.approvalId}`,
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  }),
  /** Expire an approval nobody decided in time (a no-op once it is decided). */
  'approval.expire': defineJob({
    queue: QUEUES.timers,
    payload: z.object({ runId: z.uuid(), approvalId: z.uuid() }).strict(),
    jobId: (p) => `approval-expire_${p.approvalId}`,
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  }),
  /** Send one notification to one webhook: sign, POST, record the attempt on its delivery row. */
  'webhook.deliver': defineJob({
    queue: QUEUES.notifications,
    payload: z.object({ deliveryId: z.uuid() }).strict(),
    // One job per delivery row: enqueueing it twice sends it once.
    jobId: (p) => `webhook_${p.deliveryId}`,
    options: {
      // 1 s, 2 s, 4 s … 64 s between the 8 attempts: about two minutes in all.
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.2 },
      removeOnComplete: { age: 3600, count: 5000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  }),
  /** Re-execute a recorded run deterministically into the (already created) re-run. */
  'run.rerun': defineJob({
    queue: QUEUES.replays,
    payload: z
      .object({
        runId: z.uuid(),
        rerunId: z.uuid(),
        by: z.object({ kind: z.enum(['user', 'system', 'token']), id: z.string().max(200) }),
      })
      .strict(),
    jobId: (p) => `rerun_${p.rerunId}`,
    // Not retried: a re-run that stopped half-way has appended events; its report says why.
    options: {
      attempts: 1,
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  }),
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}

/** One entry of the catalog, typed by its name (TypeScript cannot correlate `JOBS[name]` with a generic name). */
export function jobDefinition<N extends JobName>(name: N): JobDefinition<z.ZodType<JobPayload<N>>> {
  return JOBS[name] as unknown as JobDefinition<z.ZodType<JobPayload<N>>>;
}
