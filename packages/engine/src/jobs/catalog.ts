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
} as const;

export type JobName = keyof typeof JOBS;
export type JobPayload<N extends JobName> = z.infer<(typeof JOBS)[N]['payload']>;

export function isJobName(name: string): name is JobName {
  return Object.hasOwn(JOBS, name);
}
