import { randomUUID } from 'node:crypto';
import { type EventDraft, newSpanId, type RunEvent, scopeId } from '@flightdeck/domain';
import {
  budgetScopeKey,
  type Engine,
  enqueueTurn,
  readBudgetCounters,
  recordEvents,
  resumeRun,
  saveTeam,
  setRunBudget,
  spawnRun,
} from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, operator, runState, startHarness, waitFor } from './test/harness';

/**
 * Reservation before action, on the real stack: PostgreSQL, Redis and five
 * workers (50 turns at once). Fifty subagents reach their first model call
 * together against a run budget that covers exactly ten more model calls.
 */

let harness: Harness;
let engine: Engine;

const AGENTS = 50;
const COVERED = 10;

const RACE_TEAM = `
name: race-team
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.list]
    delegates: [helper]
  helper:
    role: Helper
    model: simulated/gpt-4o-mini
    tools: [fs.list]
limits: { maxDepth: 2, maxChildrenPerAgent: 60, maxConcurrentAgents: 100 }
simulation: { latencyMs: 300, errorRate: 0, minSteps: 1, maxSteps: 1 }
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
budget:
  llmCalls: ${COVERED + 1}
`;

beforeAll(async () => {
  harness = await startHarness('budget-race', { workers: 5 });
  engine = harness.engine;
  await saveTeam(engine, { source: RACE_TEAM });
}, 60_000);

afterAll(() => harness.close());

/**
 * A run whose lead has already delegated to `AGENTS` helpers (its first turn
 * scripted: one model call, then one delegate call and one spawn per helper),
 * with every helper's first turn queued at once.
 */
async function runWithFiftyHelpers(): Promise<{ runId: string; helperIds: string[] }> {
  for (const w of harness.workers) await w.worker.pause();
  const { runId } = await spawnRun(engine, { teamSlug: 'race-team', goal: 'race', by: operator });
  const { state } = await runState(engine, runId);
  const lead = state.agents[state.leadAgentId!]!;
  const base = { agentId: lead.id, traceId: state.traceId!, parentSpanId: lead.spanId };
  const at = () => new Date().toISOString();
  const calls = Array.from({ length: AGENTS }, (_, i) => ({
    callId: `${lead.id}.t1.c${i + 1}`,
    tool: 'delegate',
    args: { agent: 'helper', task: `part ${i + 1}` },
  }));
  const drafts: EventDraft[] = [
    { ...base, at: at(), type: 'agent.turn.started', spanId: newSpanId(), payload: { turn: 1 } },
    {
      ...base,
      at: at(),
      type: 'llm.call.started',
      spanId: newSpanId(),
      payload: { callId: 'm', turn: 1, model: lead.model },
    },
    {
      ...base,
      at: at(),
      type: 'llm.call.finished',
      spanId: newSpanId(),
      payload: {
        callId: 'm',
        text: 'split it',
        toolCalls: calls,
        usage: { inputTokens: 10, outputTokens: 10 },
        costMicroUsd: 0,
        priceVersion: 'test',
        latencyMs: 0,
        finishReason: 'tool_calls',
      },
    },
  ];
  const helperIds: string[] = [];
  for (const call of calls) {
    const helperId = randomUUID();
    helperIds.push(helperId);
    const spanId = newSpanId();
    drafts.push(
      { ...base, at: at(), type: 'tool.call.dispatched', spanId, payload: call },
      {
        at: at(),
        type: 'agent.spawned',
        agentId: helperId,
        traceId: state.traceId!,
        spanId: newSpanId(),
        parentSpanId: spanId,
        payload: {
          parentAgentId: lead.id,
          parentCallId: call.callId,
          name: 'helper',
          role: 'Helper',
          model: lead.model,
          task: String(call.args.task),
          depth: 1,
          toolScope: null,
        },
      },
    );
  }
  await recordEvents(engine, runId, drafts);
  await Promise.all(
    helperIds.map((agentId) => enqueueTurn(engine.queues, { runId, agentId, turn: 1 })),
  );
  for (const w of harness.workers) await w.worker.resume();
  return { runId, helperIds };
}

const GATED_ACTS = new Set<RunEvent['type']>([
  'llm.call.started',
  'tool.call.dispatched',
  'agent.turn.started',
]);

/** Acts recorded while a budget stop held: after a `budget.exceeded`, before the next resume. */
function actsWhileStopped(events: readonly RunEvent[]): RunEvent[] {
  const leaked: RunEvent[] = [];
  let stopped = false;
  for (const e of events) {
    if (e.type === 'budget.exceeded') stopped = true;
    else if (e.type === 'run.resumed') stopped = false;
    else if (stopped && GATED_ACTS.has(e.type)) leaked.push(e);
  }
  return leaked;
}

/** Wait until the run is paused and no model call it started is still out. */
async function settled(runId: string) {
  return waitFor(
    'the run to be stopped with nothing in flight',
    async () => {
      const { events, state } = await runState(engine, runId);
      const open = Object.values(state.agents).some((a) => a.turn?.llm?.status === 'started');
      return state.status === 'paused' && !open && { events, state };
    },
    60_000,
  );
}

describe('budget: reservation before action', () => {
  it(`lets exactly ${COVERED} of ${AGENTS} concurrent model calls through a budget that covers ${COVERED}, and dispatches nothing after the stop`, async () => {
    const { runId, helperIds } = await runWithFiftyHelpers();
    const { events, state } = await settled(runId);

    // The lead's scripted call plus exactly the ten the budget covers. While the ten were in
    // flight the others waited (their reservations did not fit); once the ten had settled the
    // limit was reached, and the next one stopped the run.
    const started = events.filter((e) => e.type === 'llm.call.started');
    expect(started).toHaveLength(COVERED + 1);
    expect(state.totals.llmCalls).toBe(COVERED + 1);
    // Each admitted call recorded what it reserved with its gate decision.
    const reservedDecisions = events.filter(
      (e) => e.type === 'gate.decided' && e.payload.subject === 'model' && e.payload.reserved,
    );
    expect(reservedDecisions).toHaveLength(COVERED);
    expect(
      reservedDecisions[0]?.type === 'gate.decided' && reservedDecisions[0].payload.reserved,
    ).toMatchObject({ llmCalls: 1 });

    // The first refusal quarantined the run in the same append, naming the budget.
    const exceeded = events.filter((e) => e.type === 'budget.exceeded');
    expect(exceeded.length).toBeGreaterThanOrEqual(1);
    expect(exceeded[0]?.payload).toMatchObject({
      scope: { kind: 'run' },
      metric: 'llmCalls',
      limit: COVERED + 1,
      requested: 1,
    });
    // Refused because what was used had reached the limit.
    const first = exceeded[0]!.type === 'budget.exceeded' ? exceeded[0]!.payload : null;
    expect(first!.used).toBe(COVERED + 1);
    const pause = events.find((e) => e.type === 'run.paused');
    expect(pause?.seq).toBe(exceeded[0]!.seq + 1);
    expect(pause?.payload).toMatchObject({
      by: { kind: 'system', id: 'budget' },
      mode: 'abort-turn',
    });
    expect(state.budget.stop?.metric).toBe('llmCalls');

    // Nothing was dispatched once the limit was reached.
    expect(actsWhileStopped(events)).toEqual([]);
    // The refused helpers kept their state: turn open, model call not started.
    const waiting = helperIds.filter((id) => !state.agents[id]?.turn?.llm);
    expect(waiting.length).toBeGreaterThanOrEqual(AGENTS - COVERED - 1);

    // Redis agrees with the log: used + reserved never past the limit, nothing left reserved.
    const [counters] = await readBudgetCounters(engine.redis, [
      budgetScopeKey(engine.config.queuePrefix, scopeId(runId, { kind: 'run' })),
    ]);
    expect(counters?.used.llmCalls).toBe(COVERED + 1);
    expect(counters?.reserved.llmCalls ?? 0).toBe(0);

    // The operator raises the budget by ten calls and resumes: the run goes on, and stops again at the new limit.
    await setRunBudget(engine, {
      runId,
      limits: { llmCalls: { hard: 2 * COVERED + 1 } },
      reason: 'ten more',
      by: operator,
    });
    await resumeRun(engine, { runId, by: operator });
    const again = await waitFor(
      'the run to stop again at the raised limit',
      async () => {
        const { events: log, state: now } = await runState(engine, runId);
        const stops = log.filter((e) => e.type === 'run.paused').length;
        const open = Object.values(now.agents).some((a) => a.turn?.llm?.status === 'started');
        return now.status === 'paused' && stops === 2 && !open && { log, now };
      },
      60_000,
    );
    expect(again.now.totals.llmCalls).toBe(2 * COVERED + 1);
    expect(again.log.filter((e) => e.type === 'budget.changed')).toHaveLength(1);
    expect(actsWhileStopped(again.log)).toEqual([]);
  }, 120_000);
});
