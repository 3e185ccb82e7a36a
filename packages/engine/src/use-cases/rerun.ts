import { getRerunReport, getRunRecord, insertRun } from '@flightdeck/db';
import { type Actor, DomainError, isTerminalRunStatus } from '@flightdeck/domain';
import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine';
import { enqueue } from '../jobs/queues';

/**
 * Ask for a deterministic re-run of an ended run: the re-run is created now
 * (a run whose origin is the recorded one) and a worker executes it with the
 * recorded model responses and tool results, then stores its verdict.
 */
export async function requestRerun(
  engine: Engine,
  input: { runId: string; by: Actor },
): Promise<{ runId: string }> {
  const recorded = await getRunRecord(engine.db, input.runId);
  if (!recorded) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  if (!isTerminalRunStatus(recorded.status))
    throw new DomainError(
      'CONFLICT',
      `The run is ${recorded.status}: re-run it once it has ended.`,
    );
  const rerunId = randomUUID();
  await insertRun(engine.db, {
    id: rerunId,
    teamId: recorded.teamId,
    manifestVersion: recorded.manifestVersion,
    goal: recorded.goal,
    seed: recorded.seed,
    origin: 'rerun',
    originRunId: input.runId,
  });
  await enqueue(engine.queues, 'run.rerun', { runId: input.runId, rerunId, by: input.by });
  engine.fleet.touch(rerunId, true);
  return { runId: rerunId };
}

/** A re-run's verdict (null while it runs, or for a run that is not a re-run). */
export async function getRerunVerdict(engine: Engine, input: { runId: string }): Promise<unknown> {
  return getRerunReport(engine.db, input.runId);
}
