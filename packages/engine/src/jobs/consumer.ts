import { UnrecoverableError, type Job } from 'bullmq';
import { JOBS, isJobName, type JobName, type JobPayload } from './catalog';

export type JobHandler<N extends JobName> = (
  payload: JobPayload<N>,
  context: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
) => Promise<void>;

export type JobHandlers = { [N in JobName]?: JobHandler<N> };

/**
 * A BullMQ processor over the catalog: the job's name must be known and its
 * payload must parse, or the job fails at once without retries.
 */
export function createProcessor(handlers: JobHandlers) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job type "${job.name}"`);
    const parsed = JOBS[job.name].payload.safeParse(job.data);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new UnrecoverableError(`invalid payload for ${job.name}: ${issues}`);
    }
    const handler = handlers[job.name];
    if (!handler) throw new UnrecoverableError(`no handler for job type "${job.name}"`);
    await handler(parsed.data, { job, token, signal });
  };
}
