import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendEvents } from '@flightdeck/db';
import { createRun, Drafts, RESEARCH_SOURCE } from '@flightdeck/db/test/fixtures';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import type { EventDraft } from '@flightdeck/domain';
import { createEngine, type Engine } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createCaller, LOCAL_OPERATOR } from '../../index';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let caller: ReturnType<typeof createCaller>;
let runId: string;

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_costs');
  prefix = uniqueRedisPrefix('api-costs');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-costs-')),
  });
  caller = createCaller(contextFor(engine, LOCAL_OPERATOR));

  const run = await createRun(engine.db, RESEARCH_SOURCE);
  runId = run.id;
  const d = new Drafts();
  const lead = randomUUID();
  const when = (draft: EventDraft, m: number): EventDraft => ({ ...draft, at: minutesAgo(m) });
  await appendEvents(engine.db, run.id, [
    when(d.runStarted(run), 0.5),
    when(d.agentSpawned(lead), 0.5),
    ...d
      .llmCall(lead, 1, 'c1', { inputTokens: 1000, outputTokens: 200 }, 2500)
      .map((e) => when(e, 0.2)),
  ]);
});

afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

async function failure(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof TRPCError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('costs procedures', () => {
  it('reject unknown keys, ranges and slugs with BAD_REQUEST', async () => {
    expect((await failure(caller.costs.summary({ range: '1y' } as never))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failure(caller.costs.byModel({ range: '24h', extra: 1 } as never))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failure(caller.costs.byAgent({ teamSlug: 'Not A Slug' }))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failure(caller.costs.topRuns({ limit: 500 }))).code).toBe('BAD_REQUEST');
  });

  it('report the spend of the last minutes in every view', async () => {
    const summary = await caller.costs.summary({ range: '24h' });
    expect(summary.range).toEqual({
      costMicroUsd: 2500,
      inputTokens: 1000,
      outputTokens: 200,
      calls: 1,
    });
    expect(summary.burnRateMicroUsdPerHour).toBe(2500);
    expect(summary.topTeam).toMatchObject({ teamSlug: 'research', costMicroUsd: 2500 });
    expect(summary.month.costMicroUsd).toBeGreaterThanOrEqual(summary.today.costMicroUsd);

    const series = await caller.costs.timeseries({ range: '24h' });
    expect(series.bucketSeconds).toBe(3600);
    expect(series.buckets.length).toBeGreaterThanOrEqual(24);
    expect(series.points).toEqual([
      expect.objectContaining({ teamSlug: 'research', costMicroUsd: 2500 }),
    ]);
    expect(series.buckets).toContain(series.points[0]?.bucket);

    expect(await caller.costs.byModel({ range: '7d' })).toEqual([
      {
        model: 'simulated/gpt-4o-mini',
        costMicroUsd: 2500,
        inputTokens: 1000,
        outputTokens: 200,
        calls: 1,
      },
    ]);
    expect(await caller.costs.byAgent({ range: '30d', teamSlug: 'research' })).toEqual([
      expect.objectContaining({ agentName: 'lead', teamSlug: 'research', costMicroUsd: 2500 }),
    ]);
    expect((await caller.costs.topRuns({})).map((r) => [r.id, r.costMicroUsd])).toEqual([
      [runId, 2500],
    ]);
    expect(await caller.costs.byModel({ teamSlug: 'nobody' })).toEqual([]);
  });
});
