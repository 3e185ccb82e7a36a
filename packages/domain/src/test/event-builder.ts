import type { EventDraft, RunEvent } from '../events/schema';

/** Builds a numbered, schema-shaped log for tests. */
export class LogBuilder {
  readonly runId = '00000000-0000-4000-8000-000000000001';
  readonly events: RunEvent[] = [];
  private spanCounter = 0;

  span(): string {
    this.spanCounter += 1;
    return this.spanCounter.toString(16).padStart(16, '0');
  }

  add(
    draft: Omit<EventDraft, 'at' | 'traceId' | 'spanId' | 'parentSpanId'> &
      Partial<Pick<EventDraft, 'spanId' | 'parentSpanId'>>,
  ): RunEvent {
    const event = {
      runId: this.runId,
      seq: this.events.length + 1,
      version: 1,
      at: new Date(Date.UTC(2026, 0, 1, 0, 0, this.events.length)).toISOString(),
      traceId: 'a'.repeat(32),
      spanId: draft.spanId ?? this.span(),
      parentSpanId: draft.parentSpanId ?? null,
      ...draft,
    } as RunEvent;
    this.events.push(event);
    return event;
  }
}

export const AGENT = {
  lead: '00000000-0000-4000-8000-00000000000a',
  child: '00000000-0000-4000-8000-00000000000b',
  grandchild: '00000000-0000-4000-8000-00000000000c',
} as const;

export const model = { provider: 'simulated', name: 'gpt-4o-mini' } as const;

export function startedRun(): LogBuilder {
  const log = new LogBuilder();
  log.add({
    type: 'run.started',
    agentId: null,
    payload: {
      teamId: 't1',
      teamName: 'demo',
      manifestVersion: 1,
      goal: 'find things',
      seed: 7,
      by: { kind: 'user', id: 'op' },
    },
  });
  log.add({
    type: 'agent.spawned',
    agentId: AGENT.lead,
    payload: {
      parentAgentId: null,
      parentCallId: null,
      name: 'lead',
      role: 'Lead',
      model,
      task: 'find things',
      depth: 0,
      toolScope: null,
    },
  });
  return log;
}

export function llmFinished(
  callId: string,
  toolCalls: Array<{ callId: string; tool: string; args: Record<string, unknown> }> = [],
  usage = { inputTokens: 100, outputTokens: 20 },
) {
  return {
    callId,
    text: toolCalls.length ? 'working' : 'final answer',
    toolCalls,
    usage,
    costMicroUsd: 27,
    priceVersion: 'test',
    latencyMs: 5,
    finishReason: toolCalls.length ? ('tool_calls' as const) : ('stop' as const),
  };
}

/** An agent's turn up to the model's answer: turn started, model called, model answered with `toolCalls`. */
export function modelTurn(
  log: LogBuilder,
  agentId: string,
  toolCalls: Array<{ callId: string; tool: string; args: Record<string, unknown> }> = [],
  { turn = 1, callId = 'm' }: { turn?: number; callId?: string } = {},
): void {
  log.add({ type: 'agent.turn.started', agentId, payload: { turn } });
  log.add({ type: 'llm.call.started', agentId, payload: { callId, turn, model } });
  log.add({ type: 'llm.call.finished', agentId, payload: llmFinished(callId, toolCalls) });
}
