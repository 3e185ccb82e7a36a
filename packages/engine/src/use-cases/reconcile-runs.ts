import { listActiveRunIds } from '@flightdeck/db';
import { pendingTurnOf } from '@flightdeck/domain';
import type { Engine } from '../engine';
import { JOBS } from '../jobs/catalog';
import { enqueue, enqueueTurn } from '../jobs/queues';
import { loadRunState } from './load-run-state';

/**
 * Make sure every run that is not over has the turn jobs it needs, rebuilt from
 * PostgreSQL: after Redis lost its state (flush, failover without persistence)
 * or a job failed for good, runs would otherwise stay stuck. Job ids are
 * derived from (run, agent, turn), so re-queueing a job that exists is a no-op.
 */
export async function reconcileRuns(
  engine: Engine,
): Promise<{ runs: number; requeued: number; retried: number }> {
  const definition = JOBS['agent.turn'];
  const queue = engine.queues[definition.queue];
  let requeued = 0;
  let retried = 0;
  const runIds = await listActiveRunIds(engine.db);
  for (const runId of runIds) {
    const state = await loadRunState(engine, runId);
    for (const agentId of state.agentOrder) {
      const turn = pendingTurnOf(state, agentId);
      if (turn === null) continue;
      const payload = { runId, agentId, turn };
      const existing = await queue.getJob(definition.jobId(payload));
      const jobState = existing ? await existing.getState() : null;
      if (!existing) {
        await enqueue(engine.queues, 'agent.turn', payload);
        requeued += 1;
      } else if (jobState === 'failed') {
        await existing.retry('failed');
        retried += 1;
      } else if (jobState === 'completed') {
        // It parked or was aborted, and what should have queued it again came while it was active.
        await enqueueTurn(engine.queues, payload);
        requeued += 1;
      }
    }
  }
  return { runs: runIds.length, requeued, retried };
}

/** Run `reconcileRuns` on one worker at a time across the fleet, at most once per interval. */
export async function reconcileRunsIfLeader(engine: Engine, intervalMs: number) {
  const lock = await engine.redis.set(
    `${engine.config.queuePrefix}:reconciler`,
    String(process.pid),
    'PX',
    intervalMs,
    'NX',
  );
  if (lock !== 'OK') return null;
  return reconcileRuns(engine);
}
