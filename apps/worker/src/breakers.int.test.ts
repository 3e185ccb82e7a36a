import { ModelCallError, type ModelProvider, simulatedProvider } from '@flightdeck/agents';
import { listAuditEntries } from '@flightdeck/db';
import { newSpanId, type RunEvent, type RunState } from '@flightdeck/domain';
import {
  type Engine,
  getProviderBreaker,
  recordEvents,
  resetBreaker,
  resumeAgent,
  resumeRun,
  saveTeam,
  spawnRun,
} from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  demoSource,
  type Harness,
  operator,
  runState,
  startHarness,
  waitFor,
  waitForStatus,
} from './test/harness';

/**
 * Every breaker kind against the real stack: PostgreSQL, Redis, two in-process
 * workers and the simulated model, whose calls a manifest scripts
 * (`simulation.loop`). Each test checks that the trip is in the log with its
 * evidence, that what it covers is paused, and that nothing covered is
 * dispatched after it.
 */

let harness: Harness;
let engine: Engine;

beforeAll(async () => {
  harness = await startHarness('breakers');
  engine = harness.engine;
}, 60_000);
afterAll(() => harness.close());

type Call = { tool: string; args: Record<string, unknown> };

/** A one-agent team (or a lead with helpers) whose looping agents make `calls`, `times` over. */
async function loopingTeam(
  slug: string,
  input: {
    calls: Call[];
    times?: number;
    breakers?: Record<string, unknown>;
    model?: string;
    helpers?: string[];
    loopAgents?: string[];
    latencyMs?: number;
    maxTurns?: number;
  },
): Promise<string> {
  const helpers = input.helpers ?? [];
  const tools = ['fs.read', 'fs.write', 'fs.list'];
  const agents: Record<string, unknown> = {
    lead: {
      role: 'Lead',
      model: input.model ?? 'simulated/gpt-4o-mini',
      tools: helpers.length ? ['delegate', ...tools] : tools,
      delegates: helpers,
      limits: { maxTurns: input.maxTurns ?? 60 },
    },
  };
  for (const helper of helpers)
    agents[helper] = {
      role: 'Helper',
      model: 'simulated/gpt-4o-mini',
      tools,
      limits: { maxTurns: input.maxTurns ?? 60 },
    };
  const manifest = {
    name: slug,
    lead: 'lead',
    agents,
    limits: { maxDepth: 1, maxChildrenPerAgent: 20, maxConcurrentAgents: 8 },
    simulation: {
      latencyMs: input.latencyMs ?? 0,
      errorRate: 0,
      minSteps: 1,
      maxSteps: 1,
      loop: { agents: input.loopAgents ?? ['lead'], calls: input.calls, times: input.times ?? 20 },
    },
    policy: { rules: [{ id: 'everything', tool: '*', effect: 'allow' }] },
    breakers: input.breakers ?? {},
  };
  await saveTeam(engine, { source: JSON.stringify(manifest, null, 2) });
  return slug;
}

const ofType = <T extends RunEvent['type']>(events: RunEvent[], type: T) =>
  events.filter((e): e is Extract<RunEvent, { type: T }> => e.type === type);

/** Waits for a breaker to open in the run, then for the run to be quiet; returns the log. */
async function tripped(runId: string, key: string) {
  await waitFor(`breaker ${key} to trip`, async () => {
    const { events } = await runState(engine, runId);
    return ofType(events, 'breaker.opened').some((e) => e.payload.breaker === key);
  });
  // Let anything in flight land: a trip must leave nothing more to dispatch.
  await waitFor('no turn running', () =>
    Promise.resolve(harness.workers.every((w) => w.activeTurns() === 0)),
  );
  await new Promise((r) => setTimeout(r, 300));
  const { events, state } = await runState(engine, runId);
  const opened = ofType(events, 'breaker.opened').find((e) => e.payload.breaker === key)!;
  return { events, state, opened };
}

/** Nothing an agent covered by the trip does after it: no model call started, no tool dispatched. */
function actsAfter(events: RunEvent[], seq: number, agents?: readonly string[]) {
  return events.filter(
    (e) =>
      e.seq > seq &&
      (e.type === 'tool.call.dispatched' || e.type === 'llm.call.started') &&
      (!agents || agents.length === 0 || agents.includes(e.agentId ?? '')),
  );
}

const dispatched = (events: RunEvent[]) => ofType(events, 'tool.call.dispatched');

describe('loops', () => {
  it('an agent alternating between two tools trips the loop breaker: paused before its next call, nothing dispatched after; a reset counts afresh', async () => {
    const slug = await loopingTeam('alternating', {
      calls: [
        { tool: 'fs.write', args: { path: 'a.md', content: 'the same' } },
        { tool: 'fs.read', args: { path: 'a.md' } },
      ],
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'loop', by: operator });
    const { events, state, opened } = await tripped(runId, 'cycle');
    const lead = state.leadAgentId!;

    // Tripped on the sixth call: three rounds of write → read, whatever the tools.
    expect(dispatched(events)).toHaveLength(6);
    expect(opened.payload).toMatchObject({ kind: 'cycle', agents: [lead], value: 3, threshold: 3 });
    expect(opened.payload.reason).toContain('fs.write → fs.read');
    expect(opened.payload.evidence.map((e) => e.text)).toEqual([
      'lead: fs.write {"content":"the same","path":"a.md"}',
      'lead: fs.read {"path":"a.md"}',
      'lead: fs.write {"content":"the same","path":"a.md"}',
      'lead: fs.read {"path":"a.md"}',
      'lead: fs.write {"content":"the same","path":"a.md"}',
      'lead: fs.read {"path":"a.md"}',
    ]);
    // Quarantined in the same append as the trip, by the breaker, with its reason.
    const pause = events[opened.seq]!;
    expect(pause).toMatchObject({ type: 'agent.paused', agentId: lead });
    expect(state.agents[lead]!.pause).toMatchObject({
      by: { kind: 'system', id: 'circuit-breaker' },
      mode: 'abort-turn',
    });
    expect(state.agents[lead]!.pause!.reason).toMatch(
      /^breaker "Loop" tripped: a cycle of 2 calls/,
    );
    expect(actsAfter(events, opened.seq)).toEqual([]);
    expect(state.breakers.states.cycle).toMatchObject({ status: 'open', trips: 1 });

    // Resuming while the breaker holds the agent is refused; a reset (who and why) then a resume lets it go on.
    await expect(resumeAgent(engine, { runId, agentId: lead, by: operator })).rejects.toMatchObject(
      {
        code: 'CONFLICT',
      },
    );
    await resetBreaker(engine, {
      runId,
      breaker: 'cycle',
      by: operator,
      reason: 'the loop was expected; let it finish',
    });
    await resumeAgent(engine, { runId, agentId: lead, by: operator });
    // It loops on; the loop breaker counts afresh, but the repeated-call breaker (not reset) has
    // seen fs.write three times already: the fifth, three calls after the resume, trips it.
    const after = await tripped(runId, 'repeatedCall');
    const closed = ofType(after.events, 'breaker.closed')[0]!;
    expect(closed.payload).toMatchObject({
      breaker: 'cycle',
      by: operator,
      reason: 'the loop was expected; let it finish',
    });
    expect(after.state.breakers.states.cycle).toMatchObject({ status: 'closed', trips: 1 });
    const second = after.opened;
    expect(second.payload.reason).toContain('made 5 times');
    expect(dispatched(after.events).filter((e) => e.seq > closed.seq)).toHaveLength(3);
    expect(actsAfter(after.events, second.seq)).toEqual([]);
  }, 60_000);

  it('the same call made again trips the repeated-call breaker', async () => {
    const slug = await loopingTeam('repeating', {
      calls: [{ tool: 'fs.list', args: { path: '.' } }],
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'loop', by: operator });
    const { events, state, opened } = await tripped(runId, 'repeatedCall');
    expect(dispatched(events)).toHaveLength(5);
    expect(opened.payload.reason).toContain('fs.list {"path":"."} made 5 times by lead');
    expect(opened.payload.evidence).toHaveLength(5);
    expect(state.agents[state.leadAgentId!]!.pause?.by.id).toBe('circuit-breaker');
    expect(actsAfter(events, opened.seq)).toEqual([]);
  }, 60_000);

  it('a delegation answered the same way again and again trips the bounce breaker', async () => {
    const slug = await loopingTeam('bouncing', {
      helpers: ['checker'],
      calls: [{ tool: 'delegate', args: { agent: 'checker', task: 'check the claim' } }],
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'loop', by: operator });
    const { events, state, opened } = await tripped(runId, 'bounce');
    expect(ofType(events, 'agent.spawned')).toHaveLength(4); // the lead and three checkers
    expect(opened.payload.reason).toContain('lead and checker bounced the same exchange 3 times');
    const lead = state.leadAgentId!;
    expect(opened.payload.agents).toContain(lead);
    expect(state.agents[lead]!.pause?.by.id).toBe('circuit-breaker');
    expect(actsAfter(events, opened.seq, [lead])).toEqual([]);
  }, 60_000);

  it('team turns without progress trip the no-progress breaker', async () => {
    const slug = await loopingTeam('stuck', {
      calls: [{ tool: 'fs.list', args: { path: '.' } }],
      breakers: {
        repeatedCall: { enabled: false },
        cycle: { enabled: false },
        noProgress: { turns: 4 },
      },
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'loop', by: operator });
    const { events, state, opened } = await tripped(runId, 'noProgress');
    // The first listing was new; four turns after it brought nothing: the fifth turn never calls the model.
    expect(dispatched(events)).toHaveLength(4);
    expect(ofType(events, 'agent.turn.started')).toHaveLength(5);
    expect(ofType(events, 'llm.call.started')).toHaveLength(4);
    expect(opened.payload).toMatchObject({ agents: [], value: 4, threshold: 4 });
    expect(state.status).toBe('paused');
    expect(state.pause?.by.id).toBe('circuit-breaker');
    expect(actsAfter(events, opened.seq)).toEqual([]);
  }, 60_000);
});

describe('the gate', () => {
  it('holds every call of an agent an open breaker covers, and records the quarantine if it was missing', async () => {
    const slug = await loopingTeam('held-at-the-gate', {
      calls: [{ tool: 'fs.list', args: { path: '.' } }],
    });
    for (const w of harness.workers) await w.worker.pause();
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'held', by: operator });
    const { state } = await runState(engine, runId);
    // A breaker of the whole run is open, but nothing was paused (as if its pause had been lost).
    await recordEvents(engine, runId, [
      {
        type: 'breaker.opened',
        at: new Date().toISOString(),
        agentId: null,
        traceId: state.traceId!,
        spanId: newSpanId(),
        parentSpanId: state.rootSpanId,
        payload: {
          breaker: 'costVelocity',
          kind: 'costVelocity',
          reason: 'spent too fast',
          evidence: [],
          agents: [],
          value: 9,
          threshold: 5,
          retryAt: null,
        },
      },
    ]);
    for (const w of harness.workers) await w.worker.resume();
    await waitForStatus(engine, runId, 'paused');
    const { events, state: after } = await runState(engine, runId);
    expect(ofType(events, 'llm.call.started')).toEqual([]);
    expect(dispatched(events)).toEqual([]);
    expect(after.pause).toMatchObject({ by: { id: 'circuit-breaker' }, mode: 'abort-turn' });
    expect(after.pause!.reason).toContain('spent too fast');
  }, 60_000);
});

describe('errors', () => {
  it('failed calls in a row pause the whole run; it cannot be resumed until the breaker is reset', async () => {
    const slug = await loopingTeam('failing', {
      calls: Array.from({ length: 8 }, (_, i) => ({
        tool: 'fs.read',
        args: { path: `missing-${i}.md` },
      })),
      times: 1,
      breakers: { consecutiveErrors: { max: 4 } },
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'fail', by: operator });
    const { events, state, opened } = await tripped(runId, 'consecutiveErrors');
    expect(dispatched(events)).toHaveLength(4);
    expect(opened.payload.evidence.map((e) => e.text)).toEqual(
      [0, 1, 2, 3].map(
        (i) => expect.stringContaining(`lead: fs.read {"path":"missing-${i}.md"} failed`) as string,
      ),
    );
    expect(events[opened.seq]).toMatchObject({ type: 'run.paused', agentId: null });
    expect(state.status).toBe('paused');
    expect(state.pause!.reason).toMatch(
      /^breaker "Consecutive errors" tripped: 4 calls failed in a row/,
    );
    // The system's pause is in the audit trail, in the same transaction as the trip.
    const audit = await listAuditEntries(engine.db, { action: 'run.paused', limit: 50 });
    expect(audit.entries.find((e) => e.target.runId === runId)).toMatchObject({
      actor: { kind: 'system', id: 'circuit-breaker' },
      detail: { breakers: ['consecutiveErrors'], mode: 'abort-turn' },
    });
    expect(actsAfter(events, opened.seq)).toEqual([]);

    await expect(resumeRun(engine, { runId, by: operator })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await resetBreaker(engine, {
      runId,
      breaker: 'consecutiveErrors',
      by: operator,
      reason: 'seen',
    });
    await resumeRun(engine, { runId, by: operator });
    await waitForStatus(engine, runId, 'paused'); // four more failures: it trips again
    const again = await runState(engine, runId);
    expect(again.state.breakers.states.consecutiveErrors!.trips).toBe(2);
  }, 60_000);

  it('failures among the recent calls trip the windowed-errors breaker, successes between them or not', async () => {
    const calls: Call[] = [];
    for (let i = 0; i < 6; i++) {
      calls.push({ tool: 'fs.read', args: { path: `gone-${i}.md` } });
      calls.push({ tool: 'fs.write', args: { path: `notes/${i}.md`, content: `note ${i}` } });
    }
    const slug = await loopingTeam('flaky', {
      calls,
      times: 1,
      breakers: { windowedErrors: { max: 3, window: 6 }, consecutiveErrors: { max: 10 } },
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'fail', by: operator });
    const { events, state, opened } = await tripped(runId, 'windowedErrors');
    // Failures at calls 1, 3 and 5.
    expect(dispatched(events)).toHaveLength(5);
    expect(opened.payload.reason).toContain('3 of the last 5 calls failed');
    expect(state.status).toBe('paused');
    expect(actsAfter(events, opened.seq)).toEqual([]);
  }, 60_000);

  it('failed spawns trip their breaker', async () => {
    const slug = await loopingTeam('spawner', {
      helpers: ['helper'],
      calls: [0, 1, 2, 3, 4].map((i) => ({
        tool: 'delegate',
        args: { agent: 'ghost', task: `task ${i}` },
      })),
      times: 1,
      breakers: { consecutiveErrors: { max: 10 } },
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'spawn', by: operator });
    const { events, state, opened } = await tripped(runId, 'spawnFailures');
    expect(dispatched(events)).toHaveLength(3);
    expect(opened.payload.evidence[0]!.text).toMatch(/^lead → ghost: invalid arguments/);
    expect(state.status).toBe('paused');
    expect(actsAfter(events, opened.seq)).toEqual([]);
  }, 60_000);

  it('a team of concurrent workers: the trip stops every one of them, nothing is dispatched after it', async () => {
    const helpers = ['w1', 'w2', 'w3'];
    const slug = await loopingTeam('crowd', {
      helpers,
      loopAgents: helpers,
      latencyMs: 40,
      calls: Array.from({ length: 12 }, (_, i) => ({
        tool: 'fs.read',
        args: { path: `absent/${i}.md` },
      })),
      times: 1,
      breakers: { consecutiveErrors: { max: 5 }, windowedErrors: { enabled: false } },
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'crowd', by: operator });
    const { events, state, opened } = await tripped(runId, 'consecutiveErrors');
    expect(ofType(events, 'agent.spawned')).toHaveLength(4);
    expect(state.status).toBe('paused');
    expect(events[opened.seq]).toMatchObject({ type: 'run.paused' });
    // Five errors, whoever made them; not one call of any worker started after the trip.
    expect(actsAfter(events, opened.seq)).toEqual([]);
    expect(dispatched(events).filter((e) => e.payload.tool === 'fs.read').length).toBeLessThan(
      12 * 3,
    );
  }, 60_000);
});

describe('cost velocity', () => {
  it('spend per minute over the threshold pauses the run', async () => {
    const slug = await loopingTeam('spender', {
      model: 'simulated/gpt-4o',
      calls: Array.from({ length: 20 }, (_, i) => ({ tool: 'fs.list', args: { path: `d${i}` } })),
      times: 1,
      breakers: { costVelocity: { maxUsdPerMinute: 0.002, windowSeconds: 60 } },
    });
    const { runId } = await spawnRun(engine, { teamSlug: slug, goal: 'spend', by: operator });
    const { events, state, opened } = await tripped(runId, 'costVelocity');
    const spent = ofType(events, 'llm.call.finished').reduce(
      (sum, e) => sum + e.payload.costMicroUsd,
      0,
    );
    expect(spent).toBeGreaterThanOrEqual(2000);
    expect(opened.payload.value).toBeGreaterThanOrEqual(0.002);
    expect(opened.payload.reason).toMatch(/per minute over the last 60 s/);
    expect(state.status).toBe('paused');
    expect(actsAfter(events, opened.seq)).toEqual([]);
  }, 60_000);
});

describe('a long healthy run', () => {
  it('never trips: the demo team, several seeds, default thresholds', async () => {
    await saveTeam(engine, { source: await demoSource(0, 'healthy-demo') });
    const runs = await Promise.all(
      [1, 2, 3, 4].map((seed) =>
        spawnRun(engine, {
          teamSlug: 'healthy-demo',
          goal: `Survey topic ${seed}`,
          by: operator,
          seed,
        }),
      ),
    );
    for (const { runId } of runs) await waitForStatus(engine, runId, 'completed', 60_000);
    let calls = 0;
    for (const { runId } of runs) {
      const { events } = await runState(engine, runId);
      calls += dispatched(events).length;
      expect(ofType(events, 'breaker.opened')).toEqual([]);
      expect(ofType(events, 'breaker.thresholds.changed')[0]!.payload.source).toBe('spawn');
    }
    expect(calls).toBeGreaterThan(20);
  }, 120_000);
});

describe('provider breakers', () => {
  it('go closed → open → half-open → closed; calls to an open provider wait instead of failing their run', async () => {
    const control = { failing: true, calls: 0 };
    const flaky: ModelProvider = {
      id: 'simulated',
      async generate(request) {
        control.calls += 1;
        if (control.failing)
          throw new ModelCallError('simulated answered HTTP 503: overloaded', true);
        return simulatedProvider.generate(request);
      },
    };
    const own = await startHarness('provider-breakers', {
      workers: 1,
      providers: { simulated: flaky },
    });
    try {
      const e = own.engine;
      await saveTeam(e, {
        source: JSON.stringify({
          name: 'on-a-flaky-provider',
          lead: 'lead',
          agents: { lead: { role: 'Lead', model: 'simulated/gpt-4o-mini', tools: ['fs.list'] } },
          simulation: { latencyMs: 0, errorRate: 0, minSteps: 1, maxSteps: 1 },
          policy: { rules: [{ id: 'all', tool: '*', effect: 'allow' }] },
          breakers: { provider: { failures: 2, cooldownSeconds: 2 } },
        }),
      });
      const spawn = (goal: string) =>
        spawnRun(e, { teamSlug: 'on-a-flaky-provider', goal, by: operator });
      const state = (runId: string): Promise<{ events: RunEvent[]; state: RunState }> =>
        runState(e, runId);

      // Two runs' model calls fail: the second failure opens the provider's breaker.
      const first = await spawn('first');
      await waitForStatus(e, first.runId, 'failed');
      const second = await spawn('second');
      await waitForStatus(e, second.runId, 'failed');
      const opener = await state(second.runId);
      expect(ofType(opener.events, 'breaker.opened')[0]!.payload).toMatchObject({
        breaker: 'provider:simulated',
        kind: 'provider',
      });
      const redisCtx = { redis: e.redis, prefix: e.config.queuePrefix };
      expect(await getProviderBreaker(redisCtx, 'simulated')).toMatchObject({ status: 'open' });
      const callsWhenOpened = control.calls;

      // The provider recovers. A new run's model call is not made while the breaker is open: it waits.
      control.failing = false;
      const third = await spawn('third');
      await waitFor(
        'the third run to see the breaker open',
        async () => ofType((await state(third.runId)).events, 'breaker.opened').length > 0,
      );
      expect(control.calls).toBe(callsWhenOpened);
      expect((await state(third.runId)).state.status).toBe('running');

      // After the cool-down one probe goes, succeeds, and the breaker closes: the run completes.
      await waitForStatus(e, third.runId, 'completed', 30_000);
      const { events } = await state(third.runId);
      const breakerEvents = events
        .filter((ev) => ev.type.startsWith('breaker.') && ev.type !== 'breaker.thresholds.changed')
        .map((ev) => ev.type);
      expect(breakerEvents).toEqual(['breaker.opened', 'breaker.half-opened', 'breaker.closed']);
      const halfOpened = ofType(events, 'breaker.half-opened')[0]!;
      const firstCall = ofType(events, 'llm.call.started')[0]!;
      expect(firstCall.seq).toBeGreaterThan(halfOpened.seq);
      const closed = ofType(events, 'breaker.closed')[0]!;
      expect(closed.payload).toMatchObject({ by: { kind: 'system', id: 'circuit-breaker' } });
      expect(await getProviderBreaker(redisCtx, 'simulated')).toMatchObject({
        status: 'closed',
        failures: 0,
        trips: 1,
      });
    } finally {
      await own.close();
    }
  }, 90_000);
});
