import { describe, expect, it } from 'vitest';
import { reduceEvents } from '../events/reducer';
import { AGENT, llmFinished, model, modelTurn, startedRun } from '../test/event-builder';
import { activeWallMs, inFlightOf, runTreeCounters, subtreeUsage, wasWarned } from './state';

const system = { kind: 'system', id: 'budget' } as const;
const operator = { kind: 'user', id: 'op' } as const;

function budgetedRun() {
  const log = startedRun();
  // The manifest's budget travels in run.started.
  const started = log.events[0]!;
  if (started.type === 'run.started') started.payload.budget = { usd: { soft: 20, hard: 100 } };
  return log;
}

function spawnChild(
  log: ReturnType<typeof startedRun>,
  id: string,
  parent: string,
  budget?: object,
) {
  log.add({
    type: 'agent.spawned',
    agentId: id,
    payload: {
      parentAgentId: parent,
      parentCallId: `${parent}.t1.c1`,
      name: 'helper',
      role: 'Helper',
      model,
      task: 'help',
      depth: 1,
      toolScope: null,
      ...(budget ? { budget } : {}),
    },
  });
}

describe('reducer: the run budget', () => {
  it('starts with the manifest’s limits, and takes a change from the next event on', () => {
    const log = budgetedRun();
    expect(reduceEvents(log.events).budget.limits).toEqual({ usd: { soft: 20, hard: 100 } });
    log.add({
      type: 'budget.changed',
      agentId: null,
      payload: {
        by: operator,
        scope: { kind: 'run' },
        limits: { usd: { hard: 500 } },
        previous: { usd: { soft: 20, hard: 100 } },
        reason: 'worth it',
      },
    });
    const state = reduceEvents(log.events);
    expect(state.budget.limits).toEqual({ usd: { hard: 500 } });
    expect(state.budget.version).toBe(3);
    expect(state.budget.changes).toEqual([
      expect.objectContaining({ seq: 3, by: operator, reason: 'worth it' }),
    ]);
  });

  it('has no limits when the run started without a budget (older logs too)', () => {
    const state = reduceEvents(startedRun().events);
    expect(state.budget.limits).toEqual({});
    expect(state.budget.stop).toBeNull();
  });

  it('keeps each agent’s slice, and counts a slice’s usage over the agent’s subtree', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead, [{ callId: `${AGENT.lead}.t1.c1`, tool: 'delegate', args: {} }]);
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: `${AGENT.lead}.t1.c1`, tool: 'delegate', args: {} },
    });
    spawnChild(log, AGENT.child, AGENT.lead, { llmCalls: { hard: 3 } });
    modelTurn(log, AGENT.child, [], { callId: 'child-m' });
    const state = reduceEvents(log.events);
    expect(state.budget.slices).toEqual({ [AGENT.child]: { llmCalls: { hard: 3 } } });
    expect(subtreeUsage(state, AGENT.child)).toEqual({
      usd: 27,
      tokens: 120,
      llmCalls: 1,
      turns: 1,
    });
    expect(subtreeUsage(state, AGENT.lead)).toEqual({
      usd: 54,
      tokens: 240,
      llmCalls: 2,
      toolCalls: 1,
      turns: 2,
    });
    const [runCounters, childCounters] = runTreeCounters(state);
    expect(runCounters).toMatchObject({
      scope: { kind: 'run' },
      used: { llmCalls: 2, toolCalls: 1 },
    });
    expect(childCounters).toMatchObject({
      scope: { kind: 'agent', agentId: AGENT.child },
      limits: { llmCalls: { hard: 3 } },
      used: { llmCalls: 1 },
    });
  });

  it('holds a model call’s reservation from its gate decision until it settles', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({
      type: 'gate.decided',
      agentId: AGENT.lead,
      payload: {
        subject: 'model',
        callId: 'm',
        tool: 'model',
        effect: 'allow',
        ruleId: null,
        source: 'default',
        policyVersion: 'm1',
        reason: 'ok',
        reserved: { usd: 900, tokens: 2000, llmCalls: 1 },
      },
    });
    log.add({
      type: 'llm.call.started',
      agentId: AGENT.lead,
      payload: { callId: 'm', turn: 1, model },
    });
    const inFlight = reduceEvents(log.events);
    expect(inFlightOf(inFlight, { kind: 'run' })).toEqual({ usd: 900, tokens: 2000, llmCalls: 1 });
    expect(runTreeCounters(inFlight)[0]?.reserved).toEqual({ usd: 900, tokens: 2000, llmCalls: 1 });
    log.add({ type: 'llm.call.finished', agentId: AGENT.lead, payload: llmFinished('m') });
    const settled = reduceEvents(log.events);
    expect(settled.budget.inFlight).toEqual({});
    expect(runTreeCounters(settled)[0]).toMatchObject({
      used: { usd: 27, llmCalls: 1 },
      reserved: {},
    });
  });

  it('drops the reservations of an agent that ended mid-call', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({
      type: 'gate.decided',
      agentId: AGENT.lead,
      payload: {
        subject: 'model',
        callId: 'm',
        tool: 'model',
        effect: 'allow',
        ruleId: null,
        source: 'default',
        policyVersion: 'm1',
        reason: 'ok',
        reserved: { llmCalls: 1 },
      },
    });
    log.add({ type: 'agent.failed', agentId: AGENT.lead, payload: { error: 'gone' } });
    expect(reduceEvents(log.events).budget.inFlight).toEqual({});
  });

  it('records a refusal as the stop, which a resume clears', () => {
    const log = budgetedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    const exceeded = {
      scope: { kind: 'run' },
      metric: 'usd',
      limit: 100,
      used: 90,
      reserved: 0,
      requested: 20,
      subject: 'model',
      callId: 'm',
      reason: 'the run: spend hard limit reached',
    } as const;
    log.add({ type: 'budget.exceeded', agentId: AGENT.lead, payload: exceeded });
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: system, reason: 'budget', mode: 'abort-turn' },
    });
    const stopped = reduceEvents(log.events);
    expect(stopped.status).toBe('paused');
    expect(stopped.budget.stop).toMatchObject({ ...exceeded, seq: 4, agentId: AGENT.lead });
    // The agent has seen the event: its fence moves with it.
    expect(stopped.agents[AGENT.lead]?.lastSeq).toBe(4);
    log.add({ type: 'run.resumed', agentId: null, payload: { by: operator } });
    const resumed = reduceEvents(log.events);
    expect(resumed.budget.stop).toBeNull();
    expect(resumed.budget.exceeded).toHaveLength(1);
  });

  it('remembers which scope and metric were warned about', () => {
    const log = budgetedRun();
    log.add({
      type: 'budget.warned',
      agentId: null,
      payload: { scope: { kind: 'run' }, metric: 'usd', soft: 20, used: 25 },
    });
    const state = reduceEvents(log.events);
    expect(wasWarned(state.budget, { kind: 'run' }, 'usd')).toBe(true);
    expect(wasWarned(state.budget, { kind: 'run' }, 'tokens')).toBe(false);
    expect(wasWarned(state.budget, { kind: 'agent', agentId: AGENT.lead }, 'usd')).toBe(false);
  });

  it('counts wall time while running only: pauses are not spent', () => {
    const log = startedRun(); // run.started at 00:00:00
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } }); // :02
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: operator, reason: '', mode: 'finish-turn' },
    }); // :03
    const paused = reduceEvents(log.events);
    const start = Date.parse('2026-01-01T00:00:00Z');
    expect(activeWallMs(paused.budget, start + 3_600_000)).toBe(3_000);
    log.add({
      type: 'agent.steered',
      agentId: AGENT.lead,
      payload: { by: operator, message: 'hi' },
    }); // :04
    log.add({ type: 'run.resumed', agentId: null, payload: { by: operator } }); // :05
    const resumed = reduceEvents(log.events);
    expect(activeWallMs(resumed.budget, start + 7_000)).toBe(3_000 + 2_000);
    log.add({ type: 'run.killed', agentId: null, payload: { by: operator, reason: 'done' } }); // :06
    const ended = reduceEvents(log.events);
    expect(activeWallMs(ended.budget, start + 999_999)).toBe(4_000);
  });
});
