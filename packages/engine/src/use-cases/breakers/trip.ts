import {
  type Actor,
  type AuditEntryInput,
  BREAKER_LABELS,
  type BreakerKind,
  type BreakerTrip,
  type EventDraft,
  type EventOf,
  isTerminalAgentStatus,
  type RunEvent,
  type RunState,
} from '@flightdeck/domain';
import { createLogger } from '@flightdeck/telemetry';
import { publishControl } from '../../control/bus';
import type { Engine } from '../../engine';
import { notifyBreaker } from '../../notifications/notify';
import { controlDraft } from '../control/run-control-context';

const log = createLogger('engine.breakers');

/** Who pauses a run or an agent when a breaker trips. */
export const BREAKER_ACTOR: Actor = { kind: 'system', id: 'circuit-breaker' };

export function breakerTitle(key: string, kind: BreakerKind): string {
  return kind === 'provider'
    ? `${BREAKER_LABELS.provider.title} ${key.slice('provider:'.length)}`
    : BREAKER_LABELS[kind].title;
}

/**
 * The events that record `trips` (detected on `state`) and quarantine what
 * they cover, to be appended together, fenced on `state.lastSeq`: each trip's
 * `breaker.opened`, then a pause of the whole run (a breaker of the whole run
 * tripped) or of each live agent it names. Pauses abort the turns in flight,
 * so nothing covered dispatches another call.
 */
export function breakerTripDrafts(state: RunState, trips: readonly BreakerTrip[]): EventDraft[] {
  return [
    ...trips.map((trip) =>
      controlDraft(state, 'breaker.opened', {
        breaker: trip.key,
        kind: trip.kind,
        reason: trip.reason.slice(0, 2000),
        evidence: trip.evidence,
        agents: trip.agents,
        value: trip.value,
        threshold: trip.threshold,
        retryAt: null,
      }),
    ),
    ...quarantineDrafts(state, trips),
  ];
}

/** What holds someone: a breaker's key, kind, why it opened, and the agents it names (none: the whole run). */
export interface BreakerHold {
  key: string;
  kind: BreakerKind;
  reason: string;
  agents: readonly string[];
}

/**
 * The pauses that quarantine what open breakers cover, on `state`: the whole
 * run (abort-turn) when one covers the whole run, else each live agent they
 * name that is not paused yet. Empty when all of it is already held.
 */
export function quarantineDrafts(state: RunState, holds: readonly BreakerHold[]): EventDraft[] {
  const why = (hold: BreakerHold) =>
    `breaker "${breakerTitle(hold.key, hold.kind)}" tripped: ${hold.reason}`.slice(0, 2000);
  const runWide = holds.find((h) => h.agents.length === 0);
  if (runWide) {
    return state.status === 'running'
      ? [
          controlDraft(state, 'run.paused', {
            by: BREAKER_ACTOR,
            reason: why(runWide),
            mode: 'abort-turn',
          }),
        ]
      : [];
  }
  const drafts: EventDraft[] = [];
  const paused = new Set<string>();
  for (const hold of holds) {
    for (const agentId of hold.agents) {
      const agent = state.agents[agentId];
      if (!agent || paused.has(agentId) || agent.pause || isTerminalAgentStatus(agent.status))
        continue;
      paused.add(agentId);
      drafts.push(
        controlDraft(
          state,
          'agent.paused',
          { by: BREAKER_ACTOR, reason: why(hold), mode: 'abort-turn' },
          agent,
        ),
      );
    }
  }
  return drafts;
}

/**
 * The audit entry of a quarantine the breakers decided (the system paused a
 * run or agents): recorded in the same transaction as the pause.
 */
export function quarantineAudit(
  state: RunState,
  drafts: readonly EventDraft[],
  holds: readonly Pick<BreakerHold, 'key' | 'reason'>[],
): AuditEntryInput | undefined {
  const runPaused = drafts.some((d) => d.type === 'run.paused');
  const agentIds = drafts.filter((d) => d.type === 'agent.paused').map((d) => d.agentId ?? '');
  if (!runPaused && agentIds.length === 0) return undefined;
  return {
    actor: BREAKER_ACTOR,
    action: runPaused ? 'run.paused' : 'agent.paused',
    target: {
      runId: state.runId ?? undefined,
      teamId: state.teamId ?? undefined,
      ...(agentIds.length === 1 ? { agentId: agentIds[0] } : {}),
    },
    detail: {
      breakers: holds.map((h) => h.key),
      reason: (holds[0]?.reason ?? '').slice(0, 500),
      mode: 'abort-turn',
      ...(agentIds.length ? { agentIds } : {}),
    },
  };
}

/**
 * After a trip is committed: stop the quarantined turns on every worker now
 * (their model requests and tools are aborted; they resume from the log), and
 * tell the webhooks. Never throws: the trip itself is already recorded.
 */
export async function afterBreakerTrip(
  engine: Engine,
  runId: string,
  state: RunState,
  events: readonly RunEvent[],
): Promise<void> {
  try {
    const runPaused = events.some((e) => e.type === 'run.paused');
    const agentIds = events
      .filter((e) => e.type === 'agent.paused' && e.agentId)
      .map((e) => e.agentId as string);
    if (runPaused)
      await publishControl(engine.redis, { type: 'run.abort', runId, reason: 'breaker tripped' });
    else if (agentIds.length)
      await publishControl(engine.redis, {
        type: 'agents.abort',
        runId,
        agentIds,
        reason: 'breaker tripped',
      });
  } catch (error) {
    log.warn('breaker abort signal failed; the pause holds at the next step', { runId, error });
  }
  for (const event of events)
    if (event.type === 'breaker.opened') await announceBreaker(engine, state, event);
}

/** Tell the outgoing webhooks a breaker of a run opened or closed. Logs, never throws. */
export async function announceBreaker(
  engine: Engine,
  state: RunState,
  event: EventOf<'breaker.opened' | 'breaker.closed'>,
): Promise<void> {
  const p = event.payload;
  try {
    await notifyBreaker(engine, {
      kind: event.type,
      breaker: {
        key: p.breaker,
        title: breakerTitle(p.breaker, p.kind),
        runId: event.runId,
        teamId: state.teamId ?? 'unknown',
        teamName: state.teamName ?? '',
        reason: p.reason,
        evidence: event.type === 'breaker.opened' ? event.payload.evidence.map((e) => e.text) : [],
        agents:
          event.type === 'breaker.opened'
            ? event.payload.agents.map((id) => state.agents[id]?.name ?? id)
            : [],
        by: event.type === 'breaker.closed' ? event.payload.by : null,
        url: `/runs/${event.runId}?tab=breakers`,
      },
      at: event.at,
    });
  } catch (error) {
    log.warn('breaker notification failed', { runId: event.runId, breaker: p.breaker, error });
  }
}
