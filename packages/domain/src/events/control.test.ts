import { describe, expect, it } from 'vitest';
import {
  AGENT,
  llmFinished,
  type LogBuilder,
  model,
  modelTurn,
  startedRun,
} from '../test/event-builder';
import { nextStep, pendingTurnOf } from './next-step';
import { reduceEvents } from './reducer';

const op = { kind: 'user', id: 'op' } as const;
const limits = { maxTurns: 5 };

function midTurnWithWrite(): LogBuilder {
  const log = startedRun();
  modelTurn(log, AGENT.lead, [{ callId: 'c1', tool: 'shell', args: { command: 'deploy' } }]);
  log.add({
    type: 'tool.call.dispatched',
    agentId: AGENT.lead,
    payload: { callId: 'c1', tool: 'shell', args: { command: 'deploy' } },
  });
  return log;
}

describe('pause and resume', () => {
  it('pauses a run: no new turn starts, a turn in flight finishes unless aborted', () => {
    const log = startedRun();
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: op, reason: 'look', mode: 'finish-turn' },
    });
    let state = reduceEvents(log.events);
    expect(state.status).toBe('paused');
    expect(state.pause).toMatchObject({ mode: 'finish-turn', reason: 'look' });
    expect(nextStep(state, AGENT.lead, limits)).toEqual({ kind: 'idle', reason: 'paused' });
    expect(pendingTurnOf(state, AGENT.lead)).toBeNull();

    log.add({ type: 'run.resumed', agentId: null, payload: { by: op } });
    state = reduceEvents(log.events);
    expect(state.status).toBe('running');
    expect(state.pause).toBeNull();
    expect(pendingTurnOf(state, AGENT.lead)).toBe(1);

    const inFlight = midTurnWithWrite();
    inFlight.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: op, reason: '', mode: 'finish-turn' },
    });
    expect(nextStep(reduceEvents(inFlight.events), AGENT.lead, limits).kind).toBe('resume-tool');
    const aborted = midTurnWithWrite();
    aborted.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: op, reason: '', mode: 'abort-turn' },
    });
    expect(nextStep(reduceEvents(aborted.events), AGENT.lead, limits)).toEqual({
      kind: 'idle',
      reason: 'paused',
    });
  });

  it('refuses a double pause and a resume of a running run', () => {
    const log = startedRun();
    log.add({ type: 'run.resumed', agentId: null, payload: { by: op } });
    expect(() => reduceEvents(log.events)).toThrow(/resumed while running/);
    const twice = startedRun();
    twice.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: op, reason: '', mode: 'finish-turn' },
    });
    twice.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: op, reason: '', mode: 'finish-turn' },
    });
    expect(() => reduceEvents(twice.events)).toThrow(/paused while paused/);
  });

  it('pauses and resumes one agent', () => {
    const log = startedRun();
    log.add({
      type: 'agent.paused',
      agentId: AGENT.lead,
      payload: { by: op, reason: '', mode: 'finish-turn' },
    });
    let state = reduceEvents(log.events);
    expect(state.agents[AGENT.lead]?.pause?.mode).toBe('finish-turn');
    expect(nextStep(state, AGENT.lead, limits).kind).toBe('idle');
    expect(pendingTurnOf(state, AGENT.lead)).toBeNull();
    log.add({ type: 'agent.resumed', agentId: AGENT.lead, payload: { by: op } });
    state = reduceEvents(log.events);
    expect(nextStep(state, AGENT.lead, limits)).toEqual({ kind: 'start-turn', turn: 1 });
  });
});

describe('steer', () => {
  it('delivers an operator message at the start of the next turn, not in the middle of one', () => {
    const log = midTurnWithWrite();
    log.add({
      type: 'agent.steered',
      agentId: AGENT.lead,
      payload: { by: op, message: 'use staging' },
    });
    let lead = reduceEvents(log.events).agents[AGENT.lead]!;
    expect(lead.pendingSteers).toHaveLength(1);
    expect(lead.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'shell', ok: true, output: '', durationMs: 1 },
    });
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 2 } });
    lead = reduceEvents(log.events).agents[AGENT.lead]!;
    expect(lead.pendingSteers).toEqual([]);
    expect(lead.messages.at(-1)).toMatchObject({
      role: 'user',
      content: '[operator op] use staging',
    });
  });

  it('refuses to steer an agent that ended', () => {
    const log = startedRun();
    log.add({ type: 'agent.finished', agentId: AGENT.lead, payload: { result: '' } });
    log.add({ type: 'agent.steered', agentId: AGENT.lead, payload: { by: op, message: 'x' } });
    expect(() => reduceEvents(log.events)).toThrow(/steered after it ended/);
  });
});

describe('interrupted tool calls', () => {
  it('block the agent until a human decides, and each decision resumes it', () => {
    for (const [resolution, expected] of [
      ['retry', { status: 'requested' }],
      ['skip', { status: 'finished', ok: false }],
      ['mark-done', { status: 'finished', ok: true, output: 'deployed v2' }],
    ] as const) {
      const log = midTurnWithWrite();
      log.add({
        type: 'tool.call.interrupted',
        agentId: AGENT.lead,
        payload: { callId: 'c1', tool: 'shell', reason: 'worker died' },
      });
      const blocked = reduceEvents(log.events);
      expect(blocked.agents[AGENT.lead]?.status).toBe('blocked');
      expect(nextStep(blocked, AGENT.lead, limits).kind).toBe('idle');
      expect(pendingTurnOf(blocked, AGENT.lead)).toBeNull();
      log.add({
        type: 'tool.call.resolved',
        agentId: AGENT.lead,
        payload: { callId: 'c1', by: op, resolution, output: 'deployed v2' },
      });
      const resolved = reduceEvents(log.events);
      expect(resolved.agents[AGENT.lead]?.status).toBe('running');
      expect(resolved.agents[AGENT.lead]?.turn?.toolCalls[0]).toMatchObject(expected);
      expect(pendingTurnOf(resolved, AGENT.lead)).toBe(1);
      expect(nextStep(resolved, AGENT.lead, limits).kind).toBe(
        resolution === 'retry' ? 'dispatch-tool' : 'finish-turn',
      );
    }
  });

  it('refuses a resolution of a call that was not interrupted', () => {
    const log = midTurnWithWrite();
    log.add({
      type: 'tool.call.resolved',
      agentId: AGENT.lead,
      payload: { callId: 'c1', by: op, resolution: 'skip', output: '' },
    });
    expect(() => reduceEvents(log.events)).toThrow(/not interrupted/);
  });
});

describe('kill one agent', () => {
  it('ends that agent and leaves the run going', () => {
    const log = midTurnWithWrite();
    log.add({ type: 'agent.killed', agentId: AGENT.lead, payload: { by: op, reason: 'runaway' } });
    const state = reduceEvents(log.events);
    expect(state.status).toBe('running');
    expect(state.agents[AGENT.lead]).toMatchObject({
      status: 'killed',
      error: 'killed by op: runaway',
    });
    expect(nextStep(state, AGENT.lead, limits)).toEqual({
      kind: 'idle',
      reason: 'agent is killed',
    });
  });
});

describe('late results after a kill', () => {
  it('are kept in the log: tokens spent count, nothing else changes', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({
      type: 'llm.call.started',
      agentId: AGENT.lead,
      payload: { callId: 'm', turn: 1, model },
    });
    log.add({ type: 'agent.killed', agentId: AGENT.lead, payload: { by: op, reason: 'x' } });
    log.add({
      type: 'llm.call.finished',
      agentId: AGENT.lead,
      payload: llmFinished('m', [], { inputTokens: 5, outputTokens: 6 }),
    });
    const state = reduceEvents(log.events);
    expect(state.agents[AGENT.lead]).toMatchObject({ status: 'killed', lastSeq: 6 });
    expect(state.agents[AGENT.lead]?.messages).toHaveLength(1);
    expect(state.totals).toMatchObject({ inputTokens: 5, outputTokens: 6, llmCalls: 1 });
  });
});
