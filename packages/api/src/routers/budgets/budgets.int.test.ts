import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listAuditEntries, readAllEvents } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { type Principal, scopeId } from '@flightdeck/domain';
import {
  budgetScopeKey,
  createEngine,
  type Engine,
  getTeam,
  readBudgetCounters,
  saveTeam,
  spawnRun,
} from '@flightdeck/engine';
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
let admin: ReturnType<typeof createCaller>;
let teamId: string;

const TEAM = `
name: budgeted
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini }
budget:
  usd: { soft: 0.5, hard: 1 }
  wallSeconds: 600
`;

const as = (roles: Principal['roles'], teams: Principal['teams'] = 'all') =>
  createCaller(
    contextFor(engine, { actor: { kind: 'user', id: `${roles.join('+')}@x` }, roles, teams }),
  );

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_budgets');
  prefix = uniqueRedisPrefix('api-budgets');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-budgets-')),
  });
  admin = createCaller(contextFor(engine, LOCAL_OPERATOR));
  await saveTeam(engine, { source: TEAM });
  teamId = (await getTeam(engine, { slug: 'budgeted' }))!.id;
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

describe('budgets procedures', () => {
  it('start a run with its manifest’s budget, and change it while it runs (recorded and audited)', async () => {
    const { runId } = await spawnRun(engine, {
      teamSlug: 'budgeted',
      goal: 'g',
      by: LOCAL_OPERATOR.actor,
    });
    const before = await admin.budgets.run({ runId });
    expect(before.limits).toEqual({
      usd: { soft: 500_000, hard: 1_000_000 },
      wallMs: { hard: 600_000 },
    });
    expect(before.version).toBe(0);
    const runScope = before.scopes.find((s) => s.scope.kind === 'run')!;
    expect(runScope.gauges.find((g) => g.metric === 'usd')).toMatchObject({
      soft: 500_000,
      hard: 1_000_000,
      used: 0,
    });
    expect(before.scopes.map((s) => s.scope.kind)).toEqual([
      'run',
      'team',
      'team',
      'global',
      'global',
    ]);

    const operator = as(['operator']);
    const changed = await operator.budgets.setRun({
      runId,
      budget: { usd: 2, llmCalls: { soft: 5, hard: 10 } },
      reason: 'bigger task',
    });
    expect(changed.limits).toEqual({ usd: { hard: 2_000_000 }, llmCalls: { soft: 5, hard: 10 } });
    const events = await readAllEvents(engine.db, runId);
    const event = events.find((e) => e.type === 'budget.changed');
    expect(event?.seq).toBe(changed.version);
    expect(event?.payload).toMatchObject({
      by: { id: 'operator@x' },
      reason: 'bigger task',
      previous: before.limits,
    });
    const after = await admin.budgets.run({ runId });
    expect(after).toMatchObject({ version: changed.version, limits: changed.limits });
    // The counters in Redis hold the new limits at once (the next gated call is held to them).
    const [stored] = await readBudgetCounters(engine.redis, [
      budgetScopeKey(prefix, scopeId(runId, { kind: 'run' })),
    ]);
    expect(stored).toMatchObject({ version: changed.version, limits: changed.limits });
    const audit = await listAuditEntries(engine.db, { action: 'budget.changed', limit: 10 });
    expect(audit.entries.some((e) => e.target.runId === runId)).toBe(true);

    // A viewer reads but does not change; bad limits are refused with the path.
    expect((await failure(as(['viewer']).budgets.setRun({ runId, budget: { usd: 1 } }))).code).toBe(
      'FORBIDDEN',
    );
    const bad = await failure(
      admin.budgets.setRun({ runId, budget: { usd: { soft: 3, hard: 2 } } }),
    );
    expect(bad.code).toBe('BAD_REQUEST');
  });

  it('set a team’s day and month budgets (governance), audited, read back with today’s usage', async () => {
    expect(
      (
        await failure(
          as(['operator']).budgets.setTeam({ slug: 'budgeted', budget: { day: { usd: 5 } } }),
        )
      ).code,
    ).toBe('FORBIDDEN');
    const saved = await admin.budgets.setTeam({
      slug: 'budgeted',
      budget: { day: { usd: { soft: 4, hard: 5 } }, month: { tokens: 1_000_000 } },
    });
    expect(saved).toEqual({
      version: 1,
      day: { usd: { soft: 4_000_000, hard: 5_000_000 } },
      month: { tokens: { hard: 1_000_000 } },
    });
    const again = await admin.budgets.setTeam({ slug: 'budgeted', budget: { day: { usd: 6 } } });
    expect(again.version).toBe(2);
    expect(again.month).toEqual({});

    const status = await as(['viewer']).budgets.team({ slug: 'budgeted' });
    expect(status).toMatchObject({ version: 2, budgets: { day: { usd: { hard: 6_000_000 } } } });
    const day = status.scopes.find((s) => s.scope.kind === 'team' && s.scope.period === 'day')!;
    expect(day.gauges.find((g) => g.metric === 'usd')).toMatchObject({ hard: 6_000_000, used: 0 });
    const audit = await listAuditEntries(engine.db, { action: 'budget.changed', limit: 10 });
    expect(
      audit.entries.filter((e) => e.target.teamId === teamId && e.detail.scope === 'team'),
    ).toHaveLength(2);
  });

  it('keep scoped principals to their teams, and the global budget to those who govern every team', async () => {
    const elsewhere = as(['admin'], ['00000000-0000-4000-8000-000000000999']);
    expect((await failure(elsewhere.budgets.team({ slug: 'budgeted' }))).code).toBe('FORBIDDEN');
    expect((await failure(elsewhere.budgets.setGlobal({ budget: { day: { usd: 1 } } }))).code).toBe(
      'FORBIDDEN',
    );
    const saved = await admin.budgets.setGlobal({ budget: { month: { usd: 1000 } } });
    expect(saved).toMatchObject({ version: 1, month: { usd: { hard: 1_000_000_000 } } });
    const status = await admin.budgets.team({ slug: 'budgeted' });
    expect(status.global).toMatchObject({ version: 1, month: { usd: { hard: 1_000_000_000 } } });
  });
});
