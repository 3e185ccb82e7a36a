import {
  type AgentState,
  type AuditEntryInput,
  DomainError,
  type EventDraft,
  newSpanId,
  pendingTurnOf,
  type RunState,
} from '@flightdeck/domain';
import type { Engine } from '../../engine';
import { enqueueTurn } from '../../jobs/queues';
import { recordEvents } from '../../record-events';
import { loadRunState } from '../load-run-state';

/** Shared steps of the control use cases: load, check, record, re-queue. */
export async function requireRun(engine: Engine, runId: string): Promise<RunState> {
  const state = await loadRunState(engine, runId);
  if (!state.runId) throw new DomainError('NOT_FOUND', `No run ${runId}.`);
  return state;
}

export function requireAgent(state: RunState, agentId: string): AgentState {
  const agent = state.agents[agentId];
  if (!agent)
    throw new DomainError('NOT_FOUND', `No agent ${agentId} in run ${state.runId ?? ''}.`);
  return agent;
}

export function conflict(message: string): DomainError {
  return new DomainError('CONFLICT', message);
}

/** A draft of a control event, as a child span of the run (or of the agent). */
export function controlDraft<T extends EventDraft['type']>(
  state: RunState,
  type: T,
  payload: Extract<EventDraft, { type: T }>['payload'],
  agent?: AgentState,
): EventDraft {
  return {
    type,
    at: new Date().toISOString(),
    agentId: agent?.id ?? null,
    traceId: state.traceId ?? '0'.repeat(32),
    spanId: newSpanId(),
    parentSpanId: agent ? agent.spanId : state.rootSpanId,
    payload,
  } as EventDraft;
}

/** Records a control act's events together with its audit entry: both or neither. */
export async function record(
  engine: Engine,
  runId: string,
  drafts: EventDraft[],
  audit: AuditEntryInput,
) {
  return recordEvents(engine, runId, drafts, { audit });
}

/** Queue every turn the run now needs (after a resume or a decision). */
export async function requeuePendingTurns(
  engine: Engine,
  runId: string,
  agentIds?: readonly string[],
): Promise<number> {
  const state = await loadRunState(engine, runId);
  let queued = 0;
  for (const agentId of agentIds ?? state.agentOrder) {
    const turn = pendingTurnOf(state, agentId);
    if (turn === null) continue;
    await enqueueTurn(engine.queues, { runId, agentId, turn });
    queued += 1;
  }
  return queued;
}
