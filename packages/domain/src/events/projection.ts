import { isTerminalRunStatus, type RunStatus } from './reducer';
import type { EventDraft, EventOf } from './schema';

/**
 * What a batch of events changes in a run's summary row (status, counters).
 * The store applies it in the same transaction as the append, so the fleet
 * list never disagrees with the log.
 */
export interface ProjectionDelta {
  status: RunStatus | null;
  ended: boolean;
  turns: number;
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  spawnedAgents: Array<{ agentId: string } & EventOf<'agent.spawned'>['payload']>;
  /** Breakers the batch opened or closed, by key, as they stand at its end (half-open counts as open). */
  breakers: Record<string, 'open' | 'closed'>;
}

const STATUS_BY_TYPE: Partial<Record<EventDraft['type'], RunStatus>> = {
  'run.started': 'running',
  'run.completed': 'completed',
  'run.failed': 'failed',
  'run.killed': 'killed',
  'run.paused': 'paused',
  'run.resumed': 'running',
  'run.forked': 'running',
};

export function projectBatch(events: readonly EventDraft[]): ProjectionDelta {
  const delta: ProjectionDelta = {
    status: null,
    ended: false,
    turns: 0,
    inputTokens: 0,
    outputTokens: 0,
    costMicroUsd: 0,
    spawnedAgents: [],
    breakers: {},
  };
  for (const event of events) {
    const status = STATUS_BY_TYPE[event.type];
    if (status) {
      delta.status = status;
      delta.ended = isTerminalRunStatus(status);
    }
    switch (event.type) {
      case 'agent.turn.started':
        delta.turns += 1;
        break;
      case 'llm.call.finished':
        delta.inputTokens += event.payload.usage.inputTokens;
        delta.outputTokens += event.payload.usage.outputTokens;
        delta.costMicroUsd += event.payload.costMicroUsd;
        break;
      case 'agent.spawned':
        if (event.agentId) delta.spawnedAgents.push({ agentId: event.agentId, ...event.payload });
        break;
      case 'breaker.opened':
      case 'breaker.half-opened':
        delta.breakers[event.payload.breaker] = 'open';
        break;
      case 'breaker.closed':
        delta.breakers[event.payload.breaker] = 'closed';
        break;
      default:
        break;
    }
  }
  return delta;
}
