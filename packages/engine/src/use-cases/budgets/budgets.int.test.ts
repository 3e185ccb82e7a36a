import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import {
  type EventDraft,
  newSpanId,
  periodWindow,
  type RunEvent,
  type RunState,
  scopeId,
} from '@flightdeck/domain';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetScopeKey, readBudgetCounters } from '../../coordination/budget-reservations';
import { createEngine, type Engine } from '../../engine';
import { recordEvents } from '../../record-events';
import { loadRunState } from '../load-run-state';
import { getTeam } from '../queries';
import { saveTeam } from '../save-team';
import { spawnRun } from '../spawn-run';
import { remainingFor, reserveCall, settleCall } from './counters';
import { setRunBudget, setTeamBudget } from './set-budgets';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let teamId: string;

const by = { kind: 'user', id: 'ops' } as const;
const TEAM = `
name: counted
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini, tools: [fs.list] }
`;

beforeAll(async () => {
  database = await createMigratedTestDatabase('engine_budgets');
  prefix = uniqueRedisPrefix('engine-budgets');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-engine-budgets-')),
  });
  await saveTeam(engine, { source: TEAM });
  teamId = (await getTeam(engine, { slug: 'counted' }))!.id;
}, 60_000);

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

/** A run of the team with some usage recorded now: each model call costs `cost`. */
async function runWithUsage(
  calls: number,
  cost: number,
): Promise<{ runId: string; leadId: string }> {
  const { runId } = await spawnRun(engine, { teamSlug: 'counted', goal: 'count', by });
  const state = await loadRunState(engine, runId);
  const leadId = state.leadAgentId!;
  await recordEvents(engine, runId, [
    draft(state, 'agent.turn.started', { turn: 1 }),
    ...Array.from({ length: calls }, (_, i) => modelCall(state, `m${i}`, cost)).flat(),
  ]);
  return { runId, leadId };
}

function draft<T extends EventDraft['type']>(
  state: RunState,
  type: T,
  payload: Extract<EventDraft, { type: T }>['payload'],
): EventDraft {
  return {
    type,
    at: new Date().toISOString(),
    agentId: state.leadAgentId,
    traceId: state.traceId!,
    spanId: newSpanId(),
    parentSpanId: null,
    payload,
  } as EventDraft;
}

function modelCall(state: RunState, callId: string, cost: number): EventDraft[] {
  return [
    draft(state, 'llm.call.started', {
      callId,
      turn: 1,
      model: { provider: 'simulated', name: 'gpt-4o-mini' },
    }),
    draft(state, 'llm.call.finished', {
      callId,
      text: '',
      toolCalls: [],
      usage: { inputTokens: 10, outputTokens: 5 },
      costMicroUsd: cost,
      priceVersion: 'test',
      latencyMs: 1,
      finishReason: 'stop',
    }),
  ];
}

const teamDayKey = () =>
  budgetScopeKey(
    prefix,
    scopeId('', {
      kind: 'team',
      teamId,
      period: 'day',
      window: periodWindow('day', Date.now()).window,
    }),
  );

async function loseBudgetCounters(): Promise<void> {
  const keys = await engine.redis.keys(`${prefix}:budget:*`);
  if (keys.length) await engine.redis.del(...keys);
}

describe('budget counters at the gate', () => {
  it('rebuilds a team day from PostgreSQL exactly, whatever settled while Redis had nothing', async () => {
    const a = await runWithUsage(2, 100);
    const b = await runWithUsage(1, 50);
    const stateA = await loadRunState(engine, a.runId);
    const reserve = (id: string) =>
      reserveCall(engine, {
        state: stateA,
        agentId: a.leadId,
        reservationId: id,
        amounts: { usd: 10, llmCalls: 1 },
      });
    expect(await reserve('first')).toEqual({ ok: true });
    const [built] = await readBudgetCounters(engine.redis, [teamDayKey()]);
    expect(built).toMatchObject({
      initialized: true,
      used: { usd: 250, tokens: 45, llmCalls: 3, turns: 2 },
      reserved: { usd: 10, llmCalls: 1 },
    });

    // Redis loses everything; meanwhile run B records and settles one more call.
    await loseBudgetCounters();
    const stateB = await loadRunState(engine, b.runId);
    const [, finished] = await recordEvents(engine, b.runId, modelCall(stateB, 'late', 25));
    const settle = () =>
      settleCall(engine, {
        state: stateB,
        reservationId: null,
        event: finished as RunEvent,
      });
    await settle();
    expect(await reserve('second')).toEqual({ ok: true });
    const [rebuilt] = await readBudgetCounters(engine.redis, [teamDayKey()]);
    expect(rebuilt?.used).toMatchObject({ usd: 275, llmCalls: 4 });
    // The reservation made before the loss is gone with it; the new one is held.
    expect(rebuilt?.reserved).toEqual({ usd: 10, llmCalls: 1 });
    // The same settlement again (a retried job) is not counted twice.
    await settle();
    expect((await readBudgetCounters(engine.redis, [teamDayKey()]))[0]?.used.usd).toBe(275);
  });

  it('holds the next reservation to a team limit set meanwhile', async () => {
    const run = await runWithUsage(0, 0);
    const state = await loadRunState(engine, run.runId);
    const reserve = (id: string) =>
      reserveCall(engine, {
        state,
        agentId: run.leadId,
        reservationId: id,
        amounts: { llmCalls: 1 },
      });
    expect(await reserve('warm')).toEqual({ ok: true });
    const [day] = await readBudgetCounters(engine.redis, [teamDayKey()]);
    const held = (day?.used.llmCalls ?? 0) + (day?.reserved.llmCalls ?? 0);
    await setTeamBudget(engine, {
      teamId,
      budgets: { day: { llmCalls: { hard: held + 1 } }, month: {} },
      by,
    });
    expect(await reserve('fits')).toEqual({ ok: true });
    const refused = await reserve('over');
    expect(refused).toMatchObject({
      ok: false,
      breach: {
        scope: { kind: 'team', teamId, period: 'day' },
        metric: 'llmCalls',
        limit: held + 1,
        requested: 1,
      },
    });
    await setTeamBudget(engine, { teamId, budgets: { day: {}, month: {} }, by });
    expect(await reserve('unlimited')).toEqual({ ok: true });
  });

  it('picks up a run budget change Redis never heard of (the web stopped before writing it)', async () => {
    const run = await runWithUsage(1, 10);
    const before = await loadRunState(engine, run.runId);
    expect(
      await reserveCall(engine, {
        state: before,
        agentId: run.leadId,
        reservationId: 'before-change',
        amounts: { llmCalls: 1 },
      }),
    ).toEqual({ ok: true });
    // The change is in the log, not in Redis.
    await recordEvents(engine, run.runId, [
      draft(before, 'budget.changed', {
        by,
        scope: { kind: 'run' },
        limits: { llmCalls: { hard: 1 } },
        previous: {},
        reason: 'no more',
      }),
    ]);
    const after = await loadRunState(engine, run.runId);
    const outcome = await reserveCall(engine, {
      state: after,
      agentId: run.leadId,
      reservationId: 'after-change',
      amounts: { llmCalls: 1 },
    });
    expect(outcome).toMatchObject({
      ok: false,
      breach: { scope: { kind: 'run' }, metric: 'llmCalls', limit: 1, used: 1, reserved: 1 },
    });
  });

  it('tells what an agent may still hand a subagent: the least left over its scopes', async () => {
    const run = await runWithUsage(2, 100);
    await setRunBudget(engine, {
      runId: run.runId,
      limits: { usd: { hard: 1_000 }, turns: { hard: 10 } },
      reason: '',
      by,
    });
    await setTeamBudget(engine, {
      teamId,
      budgets: { day: {}, month: { turns: { hard: 1_000_000 } } },
      by,
    });
    const state = await loadRunState(engine, run.runId);
    const left = await remainingFor(engine, state, run.leadId);
    expect(left.usd).toBe(800);
    expect(left.turns).toBe(9);
    expect(left.llmCalls).toBeUndefined();
  });
});
