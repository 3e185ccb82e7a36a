import { describe, expect, it } from 'vitest';
import { AGENT, llmFinished, model, startedRun } from '../test/event-builder';
import { projectBatch } from './projection';
import { reduceEvents } from './reducer';

describe('projectBatch', () => {
  it('agrees with the reducer on counters and status', () => {
    const log = startedRun();
    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    log.add({
      type: 'llm.call.started',
      agentId: AGENT.lead,
      payload: { callId: 'm', turn: 1, model },
    });
    log.add({
      type: 'llm.call.finished',
      agentId: AGENT.lead,
      payload: llmFinished('m', [], { inputTokens: 11, outputTokens: 7 }),
    });
    log.add({ type: 'run.completed', agentId: null, payload: { result: 'ok' } });
    const delta = projectBatch(log.events);
    const state = reduceEvents(log.events);
    expect(delta).toMatchObject({
      status: 'completed',
      ended: true,
      turns: state.totals.turns,
      inputTokens: state.totals.inputTokens,
      outputTokens: state.totals.outputTokens,
      costMicroUsd: state.totals.costMicroUsd,
    });
    expect(delta.spawnedAgents).toHaveLength(1);
    expect(delta.spawnedAgents[0]).toMatchObject({ agentId: AGENT.lead, name: 'lead', depth: 0 });
  });

  it('reports no status for a batch without run events', () => {
    const log = startedRun();
    const delta = projectBatch(log.events.slice(1));
    expect(delta.status).toBeNull();
    expect(delta.ended).toBe(false);
    expect(projectBatch(log.events.slice(0, 1))).toMatchObject({ status: 'running', ended: false });
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: { kind: 'user', id: 'op' }, reason: '', mode: 'finish-turn' },
    });
    expect(projectBatch(log.events.slice(-1))).toMatchObject({ status: 'paused', ended: false });
  });
});
