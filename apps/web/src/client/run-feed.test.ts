import type { RunEvent } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { RunFeed } from './run-feed';

const runId = '11111111-1111-4111-8111-111111111111';
const lead = '22222222-2222-4222-8222-222222222222';
const envelope = (seq: number) => ({
  runId,
  seq,
  at: new Date(Date.UTC(2026, 10, 22, 12, 0, seq)).toISOString(),
  version: 1 as const,
  traceId: 'a'.repeat(32),
  spanId: 'b'.repeat(16),
  parentSpanId: null,
});

/** A small valid log: the run starts, the lead spawns, takes a turn and finishes. */
function log(): RunEvent[] {
  return [
    {
      ...envelope(1),
      agentId: null,
      type: 'run.started',
      payload: {
        teamId: 't',
        teamName: 'demo',
        manifestVersion: 1,
        goal: 'g',
        seed: 1,
        by: { kind: 'user', id: 'op' },
      },
    },
    {
      ...envelope(2),
      agentId: lead,
      type: 'agent.spawned',
      payload: {
        parentAgentId: null,
        parentCallId: null,
        name: 'lead',
        role: 'Lead',
        model: { provider: 'simulated', name: 'gpt-4o' },
        task: 'g',
        depth: 0,
        toolScope: null,
      },
    },
    { ...envelope(3), agentId: lead, type: 'agent.turn.started', payload: { turn: 1 } },
    {
      ...envelope(4),
      agentId: lead,
      type: 'llm.call.started',
      payload: { callId: 'c1', turn: 1, model: { provider: 'simulated', name: 'gpt-4o' } },
    },
    {
      ...envelope(5),
      agentId: lead,
      type: 'llm.call.finished',
      payload: {
        callId: 'c1',
        text: 'done',
        toolCalls: [],
        usage: { inputTokens: 10, outputTokens: 5 },
        costMicroUsd: 75,
        priceVersion: 'p',
        latencyMs: 3,
        finishReason: 'stop',
      },
    },
    { ...envelope(6), agentId: lead, type: 'agent.finished', payload: { result: 'done' } },
    { ...envelope(7), agentId: null, type: 'run.completed', payload: { result: 'done' } },
  ];
}

describe('RunFeed', () => {
  it('applies events in order and derives state with the domain reducer', () => {
    const feed = new RunFeed();
    expect(feed.ingest(log())).toBe(7);
    expect(feed.lastSeq).toBe(7);
    expect(feed.state.status).toBe('completed');
    expect(feed.state.totals).toMatchObject({
      inputTokens: 10,
      outputTokens: 5,
      costMicroUsd: 75,
      llmCalls: 1,
    });
    expect(feed.hasGap).toBe(false);
  });

  it('drops doubles: anything at or below lastSeq', () => {
    const feed = new RunFeed();
    const events = log();
    feed.ingest(events.slice(0, 4));
    expect(feed.ingest(events.slice(0, 4))).toBe(0);
    expect(feed.ingest(events.slice(2, 5))).toBe(1);
    expect(feed.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds events past a hole until the hole is filled, then applies them in order', () => {
    const feed = new RunFeed();
    const events = log();
    feed.ingest(events.slice(0, 2));
    expect(feed.ingest(events.slice(4))).toBe(0);
    expect(feed.hasGap).toBe(true);
    expect(feed.lastSeq).toBe(2);
    expect(feed.ingest(events.slice(2, 4))).toBe(5);
    expect(feed.hasGap).toBe(false);
    expect(feed.events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(feed.state.status).toBe('completed');
  });

  it('accepts events in any order within one batch', () => {
    const feed = new RunFeed();
    feed.ingest(log().reverse());
    expect(feed.lastSeq).toBe(7);
    expect(feed.state.status).toBe('completed');
  });

  it('validates untrusted events and drops the invalid ones', () => {
    const [first, second] = log();
    const parsed = RunFeed.parse([first, { ...second, seq: -1 }, { nonsense: true }, 'x']);
    expect(parsed).toHaveLength(1);
    expect(RunFeed.parse('not an array')).toEqual([]);
  });

  it('keeps the log but reports a reducer error instead of throwing', () => {
    const feed = new RunFeed();
    const events = log();
    // An agent event for an agent that was never spawned.
    const bad = { ...events[2]!, agentId: '33333333-3333-4333-8333-333333333333' } as RunEvent;
    feed.ingest([events[0]!, events[1]!, bad]);
    expect(feed.lastSeq).toBe(3);
    expect(feed.reducerError).toMatch(/unknown agent/);
  });
});
