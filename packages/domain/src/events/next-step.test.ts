import { describe, expect, it } from 'vitest';
import { AGENT, llmFinished, model, modelTurn, startedRun } from '../test/event-builder';
import { nextStep } from './next-step';
import { reduceEvents } from './reducer';

const limits = { maxTurns: 5 };

describe('nextStep', () => {
  it('starts the first turn of a ready agent', () => {
    expect(nextStep(reduceEvents(startedRun().events), AGENT.lead, limits)).toEqual({
      kind: 'start-turn',
      turn: 1,
    });
  });

  it('is idle for an unknown agent, a run that is not running, and a waiting agent', () => {
    const log = startedRun();
    expect(nextStep(reduceEvents(log.events), AGENT.child, limits).kind).toBe('idle');
    log.add({
      type: 'run.killed',
      agentId: null,
      payload: { by: { kind: 'user', id: 'op' }, reason: '' },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'idle',
      reason: 'run is killed',
    });
  });

  it('fails an agent that reached its turn limit', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, { maxTurns: 1 })).toEqual({
      kind: 'fail-agent',
      error: 'turn limit reached (1 turns)',
    });
  });

  it('calls the model, again if a call started but never finished (crash), and reuses a recorded response', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'call-model',
      turn: 1,
    });
    log.add({
      type: 'llm.call.started',
      agentId: AGENT.lead,
      payload: { callId: 'm', turn: 1, model },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'call-model',
      turn: 1,
    });
    log.add({
      type: 'llm.call.finished',
      agentId: AGENT.lead,
      payload: llmFinished('m', [{ callId: 'c1', tool: 'fs.read', args: {} }]),
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toMatchObject({
      kind: 'dispatch-tool',
      call: { callId: 'c1' },
    });
  });

  it('fails the agent after a failed model call', () => {
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
      payload: { callId: 'm', error: 'no key', retryable: false },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'fail-agent',
      error: 'model call failed: no key',
    });
  });

  it('resumes a tool call dispatched before a crash, before dispatching the next one', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead, [
      { callId: 'c1', tool: 'fs.write', args: {} },
      { callId: 'c2', tool: 'fs.read', args: {} },
    ]);
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', args: {} },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toMatchObject({
      kind: 'resume-tool',
      call: { callId: 'c1' },
    });
    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', ok: true, output: '', durationMs: 1 },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toMatchObject({
      kind: 'dispatch-tool',
      call: { callId: 'c2' },
    });
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'c2', tool: 'fs.read', args: {} },
    });
    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'c2', tool: 'fs.read', ok: false, output: 'x', durationMs: 1 },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'finish-turn',
      turn: 1,
    });
  });

  it('does not treat a delegate with a spawned child as interrupted, but does one without', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead, [{ callId: 'd', tool: 'delegate', args: {} }]);
    log.add({
      type: 'tool.call.dispatched',
      agentId: AGENT.lead,
      payload: { callId: 'd', tool: 'delegate', args: {} },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits).kind).toBe('resume-tool');
    log.add({
      type: 'agent.spawned',
      agentId: AGENT.child,
      payload: {
        parentAgentId: AGENT.lead,
        parentCallId: 'd',
        name: 'w',
        role: 'W',
        model,
        task: 't',
        depth: 1,
        toolScope: null,
      },
    });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'finish-turn',
      turn: 1,
    });
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'idle',
      reason: 'waiting for subagents',
    });
  });

  it('finishes the agent when the model answers without tool calls', () => {
    const log = startedRun();
    modelTurn(log, AGENT.lead);
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'finish-agent',
      result: 'final answer',
    });
    log.add({ type: 'agent.finished', agentId: AGENT.lead, payload: { result: 'final answer' } });
    expect(nextStep(reduceEvents(log.events), AGENT.lead, limits)).toEqual({
      kind: 'idle',
      reason: 'agent is done',
    });
  });
});
