import { getRunRecord, readEvents } from '@flightdeck/db';
import { type Actor, DomainError, newSpanId, TERMINAL_RUN_STATUSES } from '@flightdeck/domain';
import { publishControl } from '../control/bus';
import type { Engine } from '../engine';
import { removeQueuedJob } from '../jobs/queues';
import { recordEvents } from '../record-events';
import { loadRunState } from './load-run-state';

export interface KillRunInput {
  runId: string;
  by: Actor;
  reason: string;
}

const ENDED: ReadonlySet<string> = new Set(TERMINAL_RUN_STATUSES);

/**
 * Kill a run: record `run.killed` (from that commit on the store refuses every
 * further append of the run, so nothing more can be dispatched), signal every
 * worker to abort the run's turns in flight, then remove its queued turns.
 * The critical path reads one row and one event (at once); the clean-up comes after.
 */
export async function killRun(
  engine: Engine,
  input: KillRunInput,
): Promise<{ status: 'killed' | 'already-ended' }> {
  const [run, [started]] = await Promise.all([
    getRunRecord(engine.db, input.runId),
    readEvents(engine.db, input.runId, { afterSeq: 0, limit: 1 }),
  ]);
  if (!run) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  if (ENDED.has(run.status)) return { status: 'already-ended' };
  const reason = input.reason.trim() || 'killed by an operator';

  try {
    await recordEvents(
      engine,
      input.runId,
      [
        {
          type: 'run.killed',
          at: new Date().toISOString(),
          agentId: null,
          traceId: started?.traceId ?? '0'.repeat(32),
          spanId: newSpanId(),
          parentSpanId: started?.spanId ?? null,
          payload: { by: input.by, reason },
        },
      ],
      {
        audit: {
          actor: input.by,
          action: 'run.killed',
          target: { teamId: run.teamId, runId: input.runId },
          detail: { reason },
        },
      },
    );
  } catch (error) {
    if (error instanceof DomainError && error.code === 'RUN_NOT_ACTIVE')
      return { status: 'already-ended' };
    throw error;
  }
  await publishControl(engine.redis, {
    type: 'run.abort',
    runId: input.runId,
    reason: `run killed: ${reason}`,
  });

  // Queued turns would find the run killed and do nothing; removing them keeps the queue clean.
  const state = await loadRunState(engine, input.runId);
  await Promise.all(
    Object.values(state.agents).map((agent) =>
      removeQueuedJob(engine.queues, 'agent.turn', {
        runId: input.runId,
        agentId: agent.id,
        turn: agent.turnsTaken + 1,
      }),
    ),
  );
  return { status: 'killed' };
}
