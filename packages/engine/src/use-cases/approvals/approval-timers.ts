import { DomainError, type RunState } from '@flightdeck/domain';
import { listDueApprovals } from '@flightdeck/db';
import type { Engine } from '../../engine';
import { enqueue, enqueueTurn } from '../../jobs/queues';
import { recordEvents } from '../../record-events';
import { controlDraft } from '../control/run-control-context';
import { loadRunState } from '../load-run-state';
import { announceApproval } from './announce-approval';
import { untilFenceHolds } from './fence-retries';

/** Schedule an approval's warning and expiry (delayed jobs; the reconciler is the safety net). */
export async function scheduleApprovalTimers(
  engine: Engine,
  approval: { runId: string; approvalId: string; warnAt: string; expiresAt: string },
  now = Date.now(),
): Promise<void> {
  const ids = { runId: approval.runId, approvalId: approval.approvalId };
  const warnIn = Date.parse(approval.warnAt) - now;
  if (Date.parse(approval.warnAt) < Date.parse(approval.expiresAt))
    await enqueue(engine.queues, 'approval.warn', ids, { delayMs: Math.max(0, warnIn) });
  await enqueue(engine.queues, 'approval.expire', ids, {
    delayMs: Math.max(0, Date.parse(approval.expiresAt) - now),
  });
}

export type TimerOutcome = 'done' | 'not-due' | 'not-pending';

/** Warn once, while it is pending. */
export async function warnApproval(
  engine: Engine,
  input: { runId: string; approvalId: string },
): Promise<TimerOutcome> {
  const outcome = await onPending(engine, input, async (state, approval, agentLastSeq) => {
    if (approval.warned) return 'not-pending';
    const agent = state.agents[approval.agentId];
    await recordEvents(
      engine,
      input.runId,
      [
        controlDraft(
          state,
          'approval.expiring',
          { approvalId: approval.id, expiresAt: approval.expiresAt },
          agent,
        ),
      ],
      { fence: { agentId: approval.agentId, lastSeq: agentLastSeq } },
    );
    return 'done';
  });
  if (outcome === 'done') await announceApproval(engine, input.approvalId, 'approval.expiring');
  return outcome;
}

/**
 * Expire an approval nobody decided in time: recorded as `expired` (never as a
 * human's denial), then the policy's onExpiry applies to the call.
 */
export async function expireApproval(
  engine: Engine,
  input: { runId: string; approvalId: string },
  now = Date.now(),
): Promise<TimerOutcome> {
  const outcome = await onPending(engine, input, async (state, approval, agentLastSeq) => {
    if (Date.parse(approval.expiresAt) > now) return 'not-due';
    const agent = state.agents[approval.agentId];
    const applied = approval.settings.onExpiry;
    await recordEvents(
      engine,
      input.runId,
      [
        controlDraft(
          state,
          'approval.decided',
          {
            approvalId: approval.id,
            callId: approval.callId,
            outcome: 'expired',
            by: null,
            reason: `no decision within ${approval.settings.ttlSeconds} s; on expiry this policy ${applied === 'deny' ? 'denies' : 'allows'} the call`,
            applied,
            args: approval.args,
            fingerprint: approval.fingerprint,
            edited: false,
            allowRuleForRun: false,
          },
          agent,
        ),
      ],
      { fence: { agentId: approval.agentId, lastSeq: agentLastSeq } },
    );
    await continueAfterDecision(engine, state, approval.agentId);
    return 'done';
  });
  if (outcome === 'done') await announceApproval(engine, input.approvalId, 'approval.expired');
  return outcome;
}

/**
 * Queue the turn an approval decision unblocked: the agent's open turn, from
 * the state the decision was made on (no reload on this hot path). A paused
 * agent or run is left alone: its resume queues it.
 */
export async function continueAfterDecision(
  engine: Engine,
  state: RunState,
  agentId: string,
): Promise<void> {
  const agent = state.agents[agentId];
  if (!state.runId || state.status !== 'running' || !agent?.turn || agent.pause) return;
  await enqueueTurn(engine.queues, { runId: state.runId, agentId, turn: agent.turn.turn });
}

/**
 * Load the run, find the approval, act while it is pending; a concurrent
 * change to its agent (a decision, a kill) refuses the append and we look again.
 */
async function onPending(
  engine: Engine,
  input: { runId: string; approvalId: string },
  act: (
    state: RunState,
    approval: RunState['approvals'][string],
    agentLastSeq: number,
  ) => Promise<TimerOutcome>,
): Promise<TimerOutcome> {
  return untilFenceHolds(async () => {
    const state = await loadRunState(engine, input.runId);
    const approval = state.approvals[input.approvalId];
    if (!approval || approval.status !== 'pending') return 'not-pending';
    const agent = state.agents[approval.agentId];
    if (!agent) return 'not-pending';
    try {
      return await act(state, approval, agent.lastSeq);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'RUN_NOT_ACTIVE') return 'not-pending';
      throw error;
    }
  });
}

/** The safety net for lost timers: warn and expire whatever is due. */
export async function sweepDueApprovals(engine: Engine, now = new Date()): Promise<number> {
  let handled = 0;
  for (const due of await listDueApprovals(engine.db, now)) {
    const input = { runId: due.runId, approvalId: due.id };
    const outcome =
      due.due === 'expire'
        ? await expireApproval(engine, input, now.getTime())
        : await warnApproval(engine, input);
    if (outcome === 'done') handled += 1;
  }
  return handled;
}
