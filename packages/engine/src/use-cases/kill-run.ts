import { getRunRecord } from '@flightdeck/db';
import { type Actor, DomainError, isTerminalAgentStatus, newSpanId } from '@flightdeck/domain';
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

/**
 * Kill a run: record `run.killed` (after which the store refuses every further
 * append of the run, so nothing more can be dispatched), signal every worker to
 * abort its in-flight turns, and remove the run's queued turns.
 */
export async function killRun(engine: Engine, input: KillRunInput): Promise<{ status: 'killed' | 'already-ended' }> {
  const run = await getRunRecord(engine.db, input.runId);
  if (!run) throw new DomainError('NOT_FOUND', `No run ${input.runId}.`);
  const before = await loadRunState(engine, input.runId);
  if (before.status !== 'running' && before.status !== 'pending') return { status: 'already-ended' };

  try {
    await recordEvents(engine, input.runId, [
      {
        type: 'run.killed',
        at: new Date().toISOString(),
        agentId: null,
        traceId: before.traceId ?? '0'.repeat(32),
        spanId: newSpanId(),
        parentSpanId: before.rootSpanId,
        payload: { by: input.by, reason: input.reason.trim() || 'killed by an operator' },
      },
    ]);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'RUN_NOT_ACTIVE') return { status: 'already-ended' };
    throw error;
  }

  await publishControl(engine.redis, { type: 'run.abort', runId: input.runId, reason: `run killed: ${input.reason}` });
  await Promise.all(
    Object.values(before.agents)
      .filter((agent) => !isTerminalAgentStatus(agent.status))
      .map((agent) =>
        removeQueuedJob(engine.queues, 'agent.turn', { runId: input.runId, agentId: agent.id, turn: agent.turnsTaken + 1 }),
      ),
  );
  return { status: 'killed' };
}
