import { describe, expect, it } from 'vitest';
import {
  AGENT,
  llmFinished,
  type LogBuilder,
  model,
  modelTurn,
  startedRun,
} from '../test/event-builder';
import { TeamScript } from '../test/team-script';
import { applyEvent, initialRunState, reduceEvents, ReducerError, type RunState } from './reducer';
import { EVENT_TYPES, payloads, RunEvent } from './schema';

function turnWithTools(
  log: LogBuilder,
  agentId: string,
  turn: number,
  tools: Array<{ callId: string; tool: string }>,
) {
  const calls = tools.map((t) => ({ ...t, args: { path: 'a.md' } }));
  modelTurn(log, agentId, calls, { turn, callId: `${agentId}.t${turn}.llm` });
}

describe('event schema', () => {
  it('has a union variant for every payload type', () => {
    const log = startedRun();
    for (const type of EVENT_TYPES) expect(payloads[type]).toBeDefined();
    expect(RunEvent.safeParse(log.events[0]).success).toBe(true);
    expect(RunEvent.safeParse({ ...log.events[0], type: 'run.exploded' }).success).toBe(false);
  });

  it('rejects malformed envelopes', () => {
    const [event] = startedRun().events;
    expect(RunEvent.safeParse({ ...event, seq: 0 }).success).toBe(false);
    expect(RunEvent.safeParse({ ...event, traceId: 'xyz' }).success).toBe(false);
    expect(RunEvent.safeParse({ ...event, runId: 'not-a-uuid' }).success).toBe(false);
  });
});

describe('reducer: run lifecycle', () => {
  it('starts a run and spawns its lead', () => {
    const state = reduceEvents(startedRun().events);
    expect(state.status).toBe('running');
    expect(state.goal).toBe('find things');
    expect(state.seed).toBe(7);
    expect(state.leadAgentId).toBe(AGENT.lead);
    expect(state.agentOrder).toEqual([AGENT.lead]);
    expect(state.agents[AGENT.lead]).toMatchObject({
      status: 'ready',
      depth: 0,
      turnsTaken: 0,
      activity: 'queued',
    });
    expect(state.agents[AGENT.lead]?.messages).toEqual([
      { role: 'user', content: 'find things', seq: 2 },
    ]);
    expect(state.lastSeq).toBe(2);
    expect(state.traceId).toBe('a'.repeat(32));
  });

  it('does not mutate the state it is given', () => {
    const log = startedRun();
    const before = reduceEvents(log.events);
    const frozen = JSON.stringify(before);
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    applyEvent(before, log.events[2]!);
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('refuses a gap or a repeat in seq', () => {
    const log = startedRun();
    const state = reduceEvents(log.events);
    const next = log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    expect(() => applyEvent(state, { ...next, seq: 4 })).toThrow(ReducerError);
    expect(() => applyEvent(state, { ...next, seq: 2 })).toThrow(/expected seq 3/);
  });

  it('refuses a second run.started and events before the start', () => {
    const log = startedRun();
    const [start] = log.events;
    expect(() => reduceEvents([start!, { ...start!, seq: 2 }])).toThrow(/started twice/);
    const spawn = log.events[1]!;
    expect(() => reduceEvents([{ ...spawn, seq: 1 }])).toThrow(/before the run started/);
  });

  it('completes', () => {
    const log = startedRun();
    log.add({ type: 'run.completed', agentId: null, payload: { result: 'ok' } });
    const state = reduceEvents(log.events);
    expect(state.status).toBe('completed');
    expect(state.result).toBe('ok');
    expect(state.endedAt).toBe(log.events[2]!.at);
  });

  it('fails, ending every live agent as failed', () => {
    const log = startedRun();
    log.add({ type: 'run.failed', agentId: null, payload: { error: 'boom' } });
    const state = reduceEvents(log.events);
    expect(state.status).toBe('failed');
    expect(state.error).toBe('boom');
    expect(state.agents[AGENT.lead]?.status).toBe('failed');
  });

  it('is killed: live agents become killed, finished ones stay finished', () => {
    const log = startedRun();
    turnWithTools(log, AGENT.lead, 1, [{ callId: 'c1', tool: 'delegate' }]);
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'delegate', args: {} },
    });
    log.add({
      type: 'agent.spawned',
      agentId: AGENT.child,
      payload: {
        parentAgentId: AGENT.lead,
        parentCallId: 'c1',
        name: 'w',
        role: 'W',
        model,
        task: 't',
        depth: 1,
        toolScope: null,
      },
    });
    log.add({ type: 'agent.turn.started', agentId: AGENT.child, payload: { turn: 1 } });
    log.add({ type: 'agent.finished', agentId: AGENT.child, payload: { result: 'done' } });
    log.add({
      type: 'run.killed',
      agentId: null,
      payload: { by: { kind: 'user', id: 'op' }, reason: 'stop' },
    });
    const state = reduceEvents(log.events);
    expect(state.status).toBe('killed');
    expect(state.killReason).toBe('stop');
    expect(state.killedBy).toBe('op');
    expect(state.agents[AGENT.lead]?.status).toBe('killed');
    expect(state.agents[AGENT.child]?.status).toBe('done');
  });

  it('accepts nothing after the run ended', () => {
    const log = startedRun();
    log.add({
      type: 'run.killed',
      agentId: null,
      payload: { by: { kind: 'user', id: 'op' }, reason: '' },
    });
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    expect(() => reduceEvents(log.events)).toThrow(/after the run ended/);
  });
});

describe('reducer: turns, model calls and tools', () => {
  it('runs a turn with a tool call and counts everything', () => {
    const log = startedRun();
    turnWithTools(log, AGENT.lead, 1, [{ callId: 'c1', tool: 'fs.write' }]);
    let state = reduceEvents(log.events);
    const lead = () => state.agents[AGENT.lead]!;
    expect(lead().status).toBe('running');
    expect(lead().turn?.llm?.status).toBe('finished');
    expect(lead().turn?.toolCalls).toMatchObject([{ callId: 'c1', status: 'requested' }]);
    expect(lead().activity).toBe('calling fs.write');
    expect(state.totals).toMatchObject({
      inputTokens: 100,
      outputTokens: 20,
      costMicroUsd: 27,
      llmCalls: 1,
      turns: 1,
      toolCalls: 0,
    });

    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', args: { path: 'b.md' } },
    });
    state = reduceEvents(log.events);
    expect(lead().turn?.toolCalls[0]).toMatchObject({
      status: 'dispatched',
      args: { path: 'b.md' },
    });
    expect(lead().activity).toBe('running fs.write');
    expect(state.totals.toolCalls).toBe(1);

    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', ok: true, output: 'wrote', durationMs: 1 },
    });
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    state = reduceEvents(log.events);
    expect(lead().status).toBe('ready');
    expect(lead().turnsTaken).toBe(1);
    expect(lead().messages.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(lead().totals).toMatchObject({ llmCalls: 1, toolCalls: 1, turns: 1 });
  });

  it('refuses a turn out of order or while running', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 2 } });
    expect(() => reduceEvents(log.events)).toThrow(/expected 1/);
    const again = startedRun();
    again.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    again.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 2 } });
    expect(() => reduceEvents(again.events)).toThrow(/while agent is running/);
  });

  it('refuses model and tool events outside a turn or for unknown calls', () => {
    const log = startedRun();
    log.add({
      type: 'llm.call.started',
      agentId: AGENT.lead,
      payload: { callId: 'x', turn: 1, model },
    });
    expect(() => reduceEvents(log.events)).toThrow(/outside a turn/);

    const unknownCall = startedRun();
    unknownCall.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    unknownCall.add({
      type: 'llm.call.finished',
      agentId: AGENT.lead,
      payload: llmFinished('nope'),
    });
    expect(() => reduceEvents(unknownCall.events)).toThrow(/was not started/);

    const undeclared = startedRun();
    turnWithTools(undeclared, AGENT.lead, 1, []);
    undeclared.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'zz', tool: 'fs.read', args: {} },
    });
    expect(() => reduceEvents(undeclared.events)).toThrow(/not requested/);

    const notDispatched = startedRun();
    turnWithTools(notDispatched, AGENT.lead, 1, [{ callId: 'c1', tool: 'fs.read' }]);
    notDispatched.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.read', ok: true, output: '', durationMs: 0 },
    });
    expect(() => reduceEvents(notDispatched.events)).toThrow(/not dispatched/);

    const ghost = startedRun();
    ghost.add({ type: 'agent.turn.started', agentId: AGENT.child, payload: { turn: 1 } });
    expect(() => reduceEvents(ghost.events)).toThrow(/unknown agent/);
  });

  it('records a failed model call', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({
      type: 'llm.call.started',
      agentId: AGENT.lead,
      payload: { callId: 'm', turn: 1, model },
    });
    log.add({
      type: 'llm.call.failed',
      agentId: AGENT.lead,
      payload: { callId: 'm', error: 'rate limited', retryable: true },
    });
    const lead = reduceEvents(log.events).agents[AGENT.lead]!;
    expect(lead.turn?.llm).toMatchObject({ status: 'failed', error: 'rate limited' });
    expect(lead.activity).toContain('model error');
  });

  it('finishes and fails agents', () => {
    const log = startedRun();
    log.add({ type: 'agent.finished', agentId: AGENT.lead, payload: { result: 'all good' } });
    expect(reduceEvents(log.events).agents[AGENT.lead]).toMatchObject({
      status: 'done',
      result: 'all good',
    });
    const failed = startedRun();
    failed.add({ type: 'agent.failed', agentId: AGENT.lead, payload: { error: 'turn limit' } });
    expect(reduceEvents(failed.events).agents[AGENT.lead]).toMatchObject({
      status: 'failed',
      error: 'turn limit',
    });
  });
});

describe('reducer: subagent trees', () => {
  function delegated(): LogBuilder {
    const log = startedRun();
    turnWithTools(log, AGENT.lead, 1, [{ callId: 'd1', tool: 'delegate' }]);
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'd1', tool: 'delegate', args: { agent: 'w', task: 't' } },
    });
    log.add({
      type: 'agent.spawned',
      agentId: AGENT.child,
      payload: {
        parentAgentId: AGENT.lead,
        parentCallId: 'd1',
        name: 'w',
        role: 'Worker',
        model,
        task: 'sub task',
        depth: 1,
        toolScope: null,
      },
    });
    return log;
  }

  it('links a child to its parent and the delegate call', () => {
    const state = reduceEvents(delegated().events);
    expect(state.agents[AGENT.lead]?.children).toEqual([AGENT.child]);
    expect(state.agents[AGENT.lead]?.turn?.toolCalls[0]).toMatchObject({
      childAgentId: AGENT.child,
      status: 'dispatched',
    });
    expect(state.agents[AGENT.child]).toMatchObject({
      parentId: AGENT.lead,
      parentCallId: 'd1',
      depth: 1,
      status: 'ready',
    });
    expect(state.agentOrder).toEqual([AGENT.lead, AGENT.child]);
  });

  it('parks the parent until the child reports, then makes it ready', () => {
    const log = delegated();
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    let state = reduceEvents(log.events);
    expect(state.agents[AGENT.lead]?.status).toBe('waiting');
    expect(state.agents[AGENT.lead]?.activity).toBe('waiting for subagents');
    log.add({ type: 'agent.finished', agentId: AGENT.child, payload: { result: 'found it' } });
    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'd1', tool: 'delegate', ok: true, output: 'found it', durationMs: 0 },
    });
    state = reduceEvents(log.events);
    expect(state.agents[AGENT.lead]?.status).toBe('ready');
    expect(state.agents[AGENT.lead]?.messages.at(-1)).toMatchObject({
      role: 'tool',
      content: 'found it',
      ok: true,
    });
  });

  it('keeps a parent running when a child reports before the parent turn ends', () => {
    const log = delegated();
    log.add({ type: 'agent.finished', agentId: AGENT.child, payload: { result: 'fast' } });
    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'd1', tool: 'delegate', ok: true, output: 'fast', durationMs: 0 },
    });
    let state = reduceEvents(log.events);
    expect(state.agents[AGENT.lead]?.status).toBe('running');
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    state = reduceEvents(log.events);
    expect(state.agents[AGENT.lead]?.status).toBe('ready');
  });

  it('refuses a child of an unknown parent and a double spawn', () => {
    const log = startedRun();
    log.add({
      type: 'agent.spawned',
      agentId: AGENT.child,
      payload: {
        parentAgentId: AGENT.grandchild,
        parentCallId: 'x',
        name: 'w',
        role: 'W',
        model,
        task: 't',
        depth: 1,
        toolScope: null,
      },
    });
    expect(() => reduceEvents(log.events)).toThrow(/parent .* unknown/);
    const twice = startedRun();
    twice.add({
      type: 'agent.spawned',
      agentId: AGENT.lead,
      payload: {
        parentAgentId: null,
        parentCallId: null,
        name: 'lead',
        role: 'L',
        model,
        task: 't',
        depth: 0,
        toolScope: null,
      },
    });
    expect(() => reduceEvents(twice.events)).toThrow(/spawned twice/);
  });

  it('sums totals across the tree', () => {
    const log = delegated();
    turnWithTools(log, AGENT.child, 1, []);
    const state = reduceEvents(log.events);
    expect(state.totals.llmCalls).toBe(2);
    expect(state.totals.inputTokens).toBe(200);
    expect(state.agents[AGENT.child]?.totals.llmCalls).toBe(1);
    expect(state.agents[AGENT.lead]?.totals.llmCalls).toBe(1);
  });
});

/** A team log with delegation, writes, failures, refusals and a model failure. */
function variedTeam() {
  const team = new TeamScript();
  const researcher = team.delegate(team.lead, 1, 'researcher', 'look', 'found it');
  const writer = team.spawn(2, 'writer');
  team.call(writer, 'fs.write', { path: 'a.md', content: 'x' });
  team.call(writer, 'fs.write', { path: 'a.md', content: 'x' }, { ok: false, output: 'disk full' });
  team.refused(writer, 'shell.exec', { command: 'rm -rf /' });
  team.modelFailure(writer);
  team.refusedDelegation(team.lead, 'helper', 'more');
  for (let i = 0; i < 5; i++) team.call(writer, 'fs.read', { path: 'a.md' }, { cost: 500 });
  team.call(team.lead, 'fs.list', {});
  return { team, researcher };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

describe('reducer: states are immutable', () => {
  // Workers cache states between turns and the browser keeps checkpoints: a state once
  // reduced must never change. Every state here is frozen before the next event is applied
  // (a write to a frozen object throws in a module).
  it('never writes to a state it was given, over a varied team log', () => {
    const { team, researcher } = variedTeam();
    let state = deepFreeze(initialRunState());
    for (const event of team.log.events) state = deepFreeze(applyEvent(state, event));
    expect(state.lastSeq).toBe(team.log.events.length);
    expect(state.agents[researcher]).toBeDefined();
    expect(state).toEqual(reduceEvents(team.log.events));
  });
});

describe('reducer: replay equals live', () => {
  it('reduces in one pass or event by event to the same state', () => {
    const log = startedRun();
    turnWithTools(log, AGENT.lead, 1, [{ callId: 'c1', tool: 'fs.read' }]);
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.read', args: {} },
    });
    let incremental = initialRunState();
    for (const event of log.events) incremental = applyEvent(incremental, event);
    expect(incremental).toEqual(reduceEvents(log.events));
    const halfway = reduceEvents(log.events.slice(0, 3));
    expect(reduceEvents(log.events.slice(3), halfway)).toEqual(incremental);
  });
});

describe('reducer: a state survives JSON (server-side snapshots)', () => {
  // A run's snapshot is its state stored as JSON; the state then goes on from the parsed copy.
  it('goes on from a JSON copy at any seq to the same state as the whole log', () => {
    const events = variedTeam().team.log.events;
    const whole = reduceEvents(events);
    for (let seq = 0; seq <= events.length; seq++) {
      const stored = JSON.parse(JSON.stringify(reduceEvents(events.slice(0, seq)))) as RunState;
      expect(reduceEvents(events.slice(seq), stored)).toEqual(whole);
    }
  });
});
