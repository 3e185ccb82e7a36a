import { randomUUID } from 'node:crypto';
import type { EventDraft } from '@flightdeck/domain';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { appendEvents } from '../events/event-store';
import type { RunRecord } from '../runs/run-repository';
import { createRun, Drafts, RESEARCH_SOURCE } from '../test/fixtures';
import { createMigratedTestDatabase } from '../testing';
import {
  costByAgent,
  costByModel,
  costByTeam,
  costTimeseries,
  sumCosts,
  topCostRuns,
} from './cost-queries';

let database: TestDatabase;
let db: Db;

const ALPHA = RESEARCH_SOURCE.replace('name: research', 'name: alpha');
const BETA = RESEARCH_SOURCE.replace('name: research', 'name: beta');
const DAY = '2026-11-22';
const WINDOW = { from: `${DAY}T10:00:00.000Z`, to: `${DAY}T12:00:00.000Z` };

function at<T extends EventDraft>(draft: T, time: string): T {
  return { ...draft, at: `${DAY}T${time}Z` };
}

/** An llm.call.started / finished pair at `time`, optionally on another model than the fixture's. */
function call(
  d: Drafts,
  agentId: string,
  callId: string,
  time: string,
  usage: { inputTokens: number; outputTokens: number },
  cost: number,
  model?: { provider: 'simulated' | 'openai' | 'anthropic'; name: string },
): EventDraft[] {
  const [started, finished] = d.llmCall(agentId, 1, callId, usage, cost);
  if (!started || !finished) throw new Error('fixture llmCall changed shape');
  const start =
    model && started.type === 'llm.call.started'
      ? { ...started, payload: { ...started.payload, model } }
      : started;
  return [at(start, time), at(finished, time)];
}

async function setCreatedAt(run: RunRecord, time: string): Promise<void> {
  await db.pool.query('UPDATE runs SET created_at = $2 WHERE id = $1', [run.id, `${DAY}T${time}Z`]);
}

let alphaRun: RunRecord;
let betaRun: RunRecord;

beforeAll(async () => {
  database = await createMigratedTestDatabase('costs');
  db = createDb({ databaseUrl: database.url, maxConnections: 4 });

  // alpha, an older run that ended before the window: never counted.
  const old = await createRun(db, ALPHA);
  await setCreatedAt(old, '08:00:00.000');
  {
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, old.id, [
      at(d.runStarted(old), '08:00:01.000'),
      at(d.agentSpawned(lead), '08:00:02.000'),
      ...call(d, lead, 'c1', '09:20:00.000', { inputTokens: 9, outputTokens: 9 }, 90_000),
      at(d.runCompleted(), '09:30:00.000'),
    ]);
  }

  // alpha: lead (two calls, one on gpt-4o) and a researcher, all in the window.
  alphaRun = await createRun(db, ALPHA);
  await setCreatedAt(alphaRun, '09:40:00.000');
  {
    const d = new Drafts();
    const lead = randomUUID();
    const researcher = randomUUID();
    await appendEvents(db, alphaRun.id, [
      at(d.runStarted(alphaRun), '09:40:01.000'),
      at(d.agentSpawned(lead), '09:40:02.000'),
      ...call(d, lead, 'c1', '10:05:00.000', { inputTokens: 100, outputTokens: 20 }, 150),
      at(d.agentSpawned(researcher, { agentId: lead, callId: 'c1' }, 1), '10:06:00.000'),
      ...call(d, lead, 'c2', '11:10:00.000', { inputTokens: 400, outputTokens: 50 }, 1000, {
        provider: 'openai',
        name: 'gpt-4o',
      }),
      // Same callId as the lead's first call, on another agent: must not pick up the lead's model.
      ...call(d, researcher, 'c1', '11:20:00.000', { inputTokens: 200, outputTokens: 10 }, 30),
    ]);
  }

  // beta: one call just before the window, one in it, one just at its (exclusive) end, then done.
  betaRun = await createRun(db, BETA);
  await setCreatedAt(betaRun, '09:50:00.000');
  {
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, betaRun.id, [
      at(d.runStarted(betaRun), '09:50:01.000'),
      at(d.agentSpawned(lead), '09:50:02.000'),
      ...call(d, lead, 'c1', '09:59:59.999', { inputTokens: 1, outputTokens: 1 }, 5),
      ...call(d, lead, 'c2', '10:30:00.000', { inputTokens: 50, outputTokens: 5 }, 7),
      ...call(d, lead, 'c3', '12:00:00.000', { inputTokens: 1000, outputTokens: 1000 }, 999_999),
      at(d.runCompleted(), '12:50:00.000'),
    ]);
  }
});

afterAll(async () => {
  await db.close();
  await database.drop();
});

describe('cost queries', () => {
  it('sums the window exactly, in integer micro-dollars, and filters by team', async () => {
    expect(await sumCosts(db, WINDOW)).toEqual({
      costMicroUsd: 1187,
      inputTokens: 750,
      outputTokens: 85,
      calls: 4,
    });
    expect(await sumCosts(db, { ...WINDOW, teamSlug: 'beta' })).toEqual({
      costMicroUsd: 7,
      inputTokens: 50,
      outputTokens: 5,
      calls: 1,
    });
    expect(await sumCosts(db, { ...WINDOW, teamSlug: 'nobody' })).toEqual({
      costMicroUsd: 0,
      inputTokens: 0,
      outputTokens: 0,
      calls: 0,
    });
  });

  it('groups by team, most expensive first', async () => {
    expect(await costByTeam(db, WINDOW)).toEqual([
      {
        teamSlug: 'alpha',
        teamName: 'alpha',
        costMicroUsd: 1180,
        inputTokens: 700,
        outputTokens: 80,
        calls: 3,
      },
      {
        teamSlug: 'beta',
        teamName: 'beta',
        costMicroUsd: 7,
        inputTokens: 50,
        outputTokens: 5,
        calls: 1,
      },
    ]);
  });

  it('buckets by hour and team, aligned to UTC', async () => {
    expect(await costTimeseries(db, { ...WINDOW, bucketSeconds: 3600 })).toEqual([
      {
        bucket: `${DAY}T10:00:00.000Z`,
        teamSlug: 'alpha',
        teamName: 'alpha',
        costMicroUsd: 150,
        inputTokens: 100,
        outputTokens: 20,
        calls: 1,
      },
      {
        bucket: `${DAY}T10:00:00.000Z`,
        teamSlug: 'beta',
        teamName: 'beta',
        costMicroUsd: 7,
        inputTokens: 50,
        outputTokens: 5,
        calls: 1,
      },
      {
        bucket: `${DAY}T11:00:00.000Z`,
        teamSlug: 'alpha',
        teamName: 'alpha',
        costMicroUsd: 1030,
        inputTokens: 600,
        outputTokens: 60,
        calls: 2,
      },
    ]);
    const daily = await costTimeseries(db, { ...WINDOW, bucketSeconds: 86_400 });
    expect(daily.map((b) => [b.bucket, b.teamSlug, b.costMicroUsd])).toEqual([
      [`${DAY}T00:00:00.000Z`, 'alpha', 1180],
      [`${DAY}T00:00:00.000Z`, 'beta', 7],
    ]);
  });

  it('attributes each call to its llm.call.started model, per agent', async () => {
    expect(await costByModel(db, WINDOW)).toEqual([
      { model: 'openai/gpt-4o', costMicroUsd: 1000, inputTokens: 400, outputTokens: 50, calls: 1 },
      {
        model: 'simulated/gpt-4o-mini',
        costMicroUsd: 187,
        inputTokens: 350,
        outputTokens: 35,
        calls: 3,
      },
    ]);
  });

  it('groups by agent name within a team, capped', async () => {
    expect(await costByAgent(db, { ...WINDOW, limit: 10 })).toEqual([
      {
        agentName: 'lead',
        teamSlug: 'alpha',
        teamName: 'alpha',
        agents: 1,
        costMicroUsd: 1150,
        inputTokens: 500,
        outputTokens: 70,
        calls: 2,
      },
      {
        agentName: 'researcher',
        teamSlug: 'alpha',
        teamName: 'alpha',
        agents: 1,
        costMicroUsd: 30,
        inputTokens: 200,
        outputTokens: 10,
        calls: 1,
      },
      {
        agentName: 'lead',
        teamSlug: 'beta',
        teamName: 'beta',
        agents: 1,
        costMicroUsd: 7,
        inputTokens: 50,
        outputTokens: 5,
        calls: 1,
      },
    ]);
    expect((await costByAgent(db, { ...WINDOW, limit: 1 })).map((a) => a.costMicroUsd)).toEqual([
      1150,
    ]);
  });

  it('lists runs created in the window by their whole spend', async () => {
    const runs = await topCostRuns(db, { from: `${DAY}T09:00:00.000Z`, to: WINDOW.to, limit: 10 });
    expect(runs.map((r) => [r.id, r.teamSlug, r.costMicroUsd, r.status])).toEqual([
      [betaRun.id, 'beta', 1_000_011, 'completed'],
      [alphaRun.id, 'alpha', 1180, 'running'],
    ]);
    expect(runs[1]).toMatchObject({
      inputTokens: 700,
      outputTokens: 80,
      createdAt: `${DAY}T09:40:00.000Z`,
      endedAt: null,
    });
  });

  it('rejects a malformed window', async () => {
    await expect(sumCosts(db, { from: 'yesterday', to: WINDOW.to })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(costTimeseries(db, { ...WINDOW, bucketSeconds: 1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
