import type { Actor, PauseMode } from '@flightdeck/domain';
import { publishControl } from '../../control/bus';
import type { Engine } from '../../engine';
import {
  conflict,
  controlDraft,
  record,
  requeuePendingTurns,
  requireRun,
} from './run-control-context';

/**
 * Pause a whole team: no agent starts a new turn. With `finish-turn` the turns
 * in flight complete; with `abort-turn` they are aborted at once on every
 * worker and continue from the log on resume.
 */
export async function pauseRun(
  engine: Engine,
  input: { runId: string; by: Actor; reason: string; mode: PauseMode },
) {
  const state = await requireRun(engine, input.runId);
  if (state.status !== 'running')
    throw conflict(`The run is ${state.status}; only a running run can be paused.`);
  await record(
    engine,
    input.runId,
    [controlDraft(state, 'run.paused', { by: input.by, reason: input.reason, mode: input.mode })],
    {
      actor: input.by,
      action: 'run.paused',
      target: { runId: input.runId },
      detail: { reason: input.reason, mode: input.mode },
    },
  );
  if (input.mode === 'abort-turn') {
    await publishControl(engine.redis, {
      type: 'run.abort',
      runId: input.runId,
      reason: 'run paused',
    });
  }
  return { status: 'paused' as const };
}

export async function resumeRun(engine: Engine, input: { runId: string; by: Actor }) {
  const state = await requireRun(engine, input.runId);
  if (state.status !== 'paused')
    throw conflict(`The run is ${state.status}; only a paused run can be resumed.`);
  const open = Object.values(state.breakers.states).find(
    (b) => b.status !== 'closed' && b.opened?.agents.length === 0 && b.kind !== 'provider',
  );
  if (open)
    throw conflict(
      `A circuit breaker of the whole run is open (${open.key}): reset it, saying why, before resuming.`,
    );
  await record(engine, input.runId, [controlDraft(state, 'run.resumed', { by: input.by })], {
    actor: input.by,
    action: 'run.resumed',
    target: { runId: input.runId },
  });
  const queued = await requeuePendingTurns(engine, input.runId);
  return { status: 'running' as const, queued };
}
