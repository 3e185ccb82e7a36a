import { describeIssues } from '@flightdeck/domain';
import { UnrecoverableError, type Job } from 'bullmq';
import { isJobName, jobDefinition, type JobName, type JobPayload } from './catalog';

export type JobHandler<N extends JobName> = (
  payload: JobPayload<N>,
  context: { job: Job; token: string | undefined; signal: AbortSignal | undefined },
) => Promise<void>;

export type JobHandlers = { [N in JobName]?: JobHandler<N> };

async function handle<N extends JobName>(
  name: N,
  handlers: JobHandlers,
  job: Job,
  token: string | undefined,
  signal: AbortSignal | undefined,
): Promise<void> {
  const parsed = jobDefinition(name).payload.safeParse(job.data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `invalid payload for ${name}: ${describeIssues(parsed.error.issues)}`,
    );
  }
  const handler: JobHandler<N> | undefined = handlers[name];
  if (!handler) throw new UnrecoverableError(`no handler for job type "${name}"`);
  await handler(parsed.data, { job, token, signal });
}

/**
 * A BullMQ processor over the catalog: the job's name must be known and its
 * payload must parse, or the job fails at once without retries.
 */
export function createProcessor(handlers: JobHandlers) {
  return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
    if (!isJobName(job.name)) throw new UnrecoverableError(`unknown job type "${job.name}"`);
    await handle(job.name, handlers, job, token, signal);
  };
}
