import { type Actor, DomainError, isTerminalRunStatus } from '@flightdeck/domain';
import type { Engine } from '../../engine';
import { resetProviderBreaker } from '../../coordination/provider-breakers';
import { controlDraft, record, requireRun } from '../control/run-control-context';
import { announceBreaker, breakerTitle } from './trip';

/**
 * A person closes an open breaker of a run, saying why: recorded as
 * `breaker.closed` (with the audit entry, in the same transaction), and its
 * counting starts afresh. A provider's breaker is shared: it closes for every
 * run. What the trip paused stays paused until someone resumes it.
 */
export async function resetBreaker(
  engine: Engine,
  input: { runId: string; breaker: string; by: Actor; reason: string },
): Promise<{ breaker: string; status: 'closed' }> {
  const state = await requireRun(engine, input.runId);
  if (isTerminalRunStatus(state.status))
    throw new DomainError('CONFLICT', `The run is ${state.status}: nothing to reset.`);
  const current = state.breakers.states[input.breaker];
  if (!current || current.status === 'closed')
    throw new DomainError('CONFLICT', `Breaker ${input.breaker} is not open.`);
  const reason = input.reason.trim();
  if (!reason) throw new DomainError('INVALID_INPUT', 'Say why the breaker can be reset.');
  if (current.kind === 'provider')
    await resetProviderBreaker(
      { redis: engine.redis, prefix: engine.config.queuePrefix },
      input.breaker.slice('provider:'.length),
    );
  const [event] = await record(
    engine,
    input.runId,
    [
      controlDraft(state, 'breaker.closed', {
        breaker: input.breaker,
        kind: current.kind,
        by: input.by,
        reason,
      }),
    ],
    {
      actor: input.by,
      action: 'breaker.reset',
      target: { runId: input.runId, teamId: state.teamId ?? undefined },
      detail: { breaker: input.breaker, title: breakerTitle(input.breaker, current.kind), reason },
    },
  );
  if (event?.type === 'breaker.closed') await announceBreaker(engine, state, event);
  return { breaker: input.breaker, status: 'closed' };
}
