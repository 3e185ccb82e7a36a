import { reduceEvents, type RunEvent } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { RunFeed, RunWindow } from './run-feed';

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

describe('RunWindow', () => {
  /** A window opened at seq 3 (its state from the server), holding at most `keep` events. */
  function windowAt3(keep = 10) {
    const events = log();
    const start = { seq: 3, state: reduceEvents(events.slice(0, 3)), tail: events.slice(1, 3) };
    return { events, window: new RunWindow(start, keep) };
  }

  it('goes on from the server’s state with live events, to the state the whole log gives', () => {
    const { events, window } = windowAt3();
    expect(window.ingest(events.slice(3))).toBe(4);
    expect(window.state).toEqual(reduceEvents(events));
    expect(window.events.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('drops what it has, and holds events past a hole until it is filled', () => {
    const { events, window } = windowAt3();
    expect(window.ingest(events.slice(0, 3))).toBe(0);
    expect(window.ingest(events.slice(5))).toBe(0);
    expect(window.hasGap).toBe(true);
    expect(window.ingest(events.slice(3, 5))).toBe(4);
    expect(window.hasGap).toBe(false);
    expect(window.lastSeq).toBe(7);
    expect(window.state.status).toBe('completed');
  });

  it('keeps only its newest events', () => {
    const { events, window } = windowAt3(3);
    window.ingest(events.slice(3));
    expect(window.events.map((e) => e.seq)).toEqual([5, 6, 7]);
  });

  it('reports a reducer error instead of throwing, and stops its state there', () => {
    const { events, window } = windowAt3();
    const bad = { ...events[3]!, agentId: '33333333-3333-4333-8333-333333333333' } as RunEvent;
    window.ingest([bad, ...events.slice(4)]);
    expect(window.lastSeq).toBe(7);
    expect(window.reducerError).toMatch(/unknown agent/);
    expect(window.state.lastSeq).toBe(3);
  });
});
