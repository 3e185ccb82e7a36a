import { reduceEvents, type RunEvent } from '@flightdeck/domain';
import { AGENT, llmFinished, startedRun } from '@flightdeck/domain/test/event-builder';
import { describe, expect, it } from 'vitest';
import { agentPhase } from '@/components/status';
import { isControlEvent, isFailureEvent, summarize } from './event-summary';
import { steerOf } from './steer-message';

const operator = { kind: 'user' as const, id: 'ops-ann' };

/** The lead mid-turn: the model asked for fs.write and the call is under way. */
function leadMidTurn() {
  const log = startedRun();
  log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
  log.add({
    type: 'llm.call.started',
    agentId: AGENT.lead,
    payload: { callId: 'm1', turn: 1, model: { provider: 'simulated', name: 'gpt-4o' } },
  });
  log.add({
    type: 'llm.call.finished',
    agentId: AGENT.lead,
    payload: llmFinished('m1', [
      { callId: 'c1', tool: 'fs.write', args: { path: 'a.md', content: 'x' } },
    ]),
  });
  log.add({
    type: 'tool.call.dispatched',
    agentId: AGENT.lead,
    payload: { callId: 'c1', tool: 'fs.write', args: { path: 'a.md', content: 'x' } },
  });
  return log;
}

const lead = (events: RunEvent[]) => {
  const state = reduceEvents(events);
  const agent = state.agents[AGENT.lead];
  if (!agent) throw new Error('no lead');
  return { state, agent };
};

describe('how an agent reads to an operator', () => {
  it('is "pausing" while a turn it may finish is in flight, then "paused"', () => {
    const log = leadMidTurn();
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: operator, reason: 'spend', mode: 'finish-turn' },
    });
    let { state, agent } = lead(log.events);
    expect(agent.status).toBe('running');
    expect(agentPhase(agent, state)).toBe('pausing');

    log.add({
      type: 'tool.call.finished',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', ok: true, output: 'ok', durationMs: 1 },
    });
    log.add({ type: 'agent.turn.finished', agentId: AGENT.lead, payload: { turn: 1 } });
    ({ state, agent } = lead(log.events));
    expect(agentPhase(agent, state)).toBe('paused');

    log.add({ type: 'run.resumed', agentId: null, payload: { by: operator } });
    ({ state, agent } = lead(log.events));
    expect(agentPhase(agent, state)).toBe('ready');
  });

  it('is "paused" at once when the pause aborted the turn in flight', () => {
    const log = leadMidTurn();
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: operator, reason: '', mode: 'abort-turn' },
    });
    const { state, agent } = lead(log.events);
    expect(agentPhase(agent, state)).toBe('paused');
  });

  it('is "paused" when only the agent is paused', () => {
    const log = leadMidTurn();
    log.add({
      type: 'agent.paused',
      agentId: AGENT.lead,
      payload: { by: operator, reason: '', mode: 'abort-turn' },
    });
    const { state, agent } = lead(log.events);
    expect(state.status).toBe('running');
    expect(agentPhase(agent, state)).toBe('paused');
  });

  it('"needs a decision" wins over a pause, and an end wins over everything', () => {
    const log = leadMidTurn();
    log.add({
      type: 'tool.call.interrupted',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', reason: 'worker lost' },
    });
    log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: operator, reason: '', mode: 'finish-turn' },
    });
    let { state, agent } = lead(log.events);
    expect(agentPhase(agent, state)).toBe('blocked');
    log.add({ type: 'run.killed', agentId: null, payload: { by: operator, reason: 'enough' } });
    ({ state, agent } = lead(log.events));
    expect(agentPhase(agent, state)).toBe('killed');
  });
});

describe('operator messages', () => {
  it('are queued until the next turn, then read as a steer (never the task)', () => {
    const log = startedRun();
    log.add({
      type: 'agent.steered',
      agentId: AGENT.lead,
      payload: { by: operator, message: 'cite [two] sources\nplease' },
    });
    let { agent } = lead(log.events);
    expect(agent.pendingSteers).toHaveLength(1);
    expect(steerOf(agent.pendingSteers[0]!, agent)).toEqual({
      by: 'ops-ann',
      text: 'cite [two] sources\nplease',
    });

    log.add({ type: 'agent.turn.started', agentId: AGENT.lead, payload: { turn: 1 } });
    ({ agent } = lead(log.events));
    expect(agent.pendingSteers).toEqual([]);
    const [task, steer] = agent.messages;
    expect(steerOf(task!, agent)).toBeNull();
    expect(steerOf(steer!, agent)).toEqual({ by: 'ops-ann', text: 'cite [two] sources\nplease' });
  });

  it('a task that looks like a steer is still the task', () => {
    const log = startedRun();
    const { agent } = lead(log.events);
    expect(
      steerOf({ role: 'user', content: '[operator x] do it', seq: agent.spawnedSeq }, agent),
    ).toBeNull();
  });
});

describe('control events in the feed', () => {
  it('say who did what, and are found by the Control filter', () => {
    const log = leadMidTurn();
    const paused = log.add({
      type: 'run.paused',
      agentId: null,
      payload: { by: operator, reason: 'check spend', mode: 'abort-turn' },
    });
    const resumed = log.add({ type: 'run.resumed', agentId: null, payload: { by: operator } });
    const interrupted = log.add({
      type: 'tool.call.interrupted',
      agentId: AGENT.lead,
      payload: { callId: 'c1', tool: 'fs.write', reason: 'worker lost' },
    });
    const state = reduceEvents(log.events);
    const resolved = log.add({
      type: 'tool.call.resolved',
      agentId: AGENT.lead,
      payload: { callId: 'c1', by: operator, resolution: 'mark-done', output: 'written by hand' },
    });
    const steered = log.add({
      type: 'agent.steered',
      agentId: AGENT.lead,
      payload: { by: operator, message: 'wrap up' },
    });

    expect(summarize(paused, state)).toBe(
      'Run paused by ops-ann (turns in flight aborted): check spend',
    );
    expect(summarize(resumed, state)).toBe('Run resumed by ops-ann');
    expect(summarize(resolved, state)).toBe(
      'Mark done fs.write, decided by ops-ann: written by hand',
    );
    expect(summarize(steered, state)).toContain('“wrap up”');
    expect(isFailureEvent(interrupted)).toBe(true);
    expect([paused, resumed, resolved, steered].every(isControlEvent)).toBe(true);
    expect(log.events.filter(isControlEvent)).toHaveLength(4);
  });
});
