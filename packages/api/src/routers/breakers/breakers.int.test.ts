import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { listAuditEntries } from '@flightdeck/db';
import { newSpanId, type Principal } from '@flightdeck/domain';
import {
  createEngine,
  type Engine,
  ensureDemoTeams,
  loadRunState,
  recordEvents,
} from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createCaller } from '../../index';

let database: TestDatabase;
let engine: Engine;
let prefix: string;

const person = (id: string, roles: Principal['roles']): Principal => ({
  actor: { kind: 'user', id },
  roles,
  teams: 'all',
});
const as = (p: Principal) => createCaller(contextFor(engine, p));

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_breakers');
  prefix = uniqueRedisPrefix('api-breakers');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-breakers-')),
  });
  await ensureDemoTeams(engine);
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

const ops = () => as(person('olga@example.test', ['operator']));
const gov = () => as(person('gail@example.test', ['admin']));

/** A run of the demo team with its loop breaker open (as a worker would have recorded it). */
async function runWithOpenBreaker() {
  const { runId } = await ops().runs.spawn({ teamSlug: 'demo-research', goal: 'trip it' });
  const state = await loadRunState(engine, runId);
  await recordEvents(engine, runId, [
    {
      type: 'breaker.opened',
      at: new Date().toISOString(),
      agentId: null,
      traceId: state.traceId!,
      spanId: newSpanId(),
      parentSpanId: state.rootSpanId,
      payload: {
        breaker: 'cycle',
        kind: 'cycle',
        reason: 'a cycle of 2 calls repeated 3 times',
        evidence: [],
        agents: [state.leadAgentId!],
        value: 3,
        threshold: 3,
        retryAt: null,
      },
    },
  ]);
  return runId;
}

describe('breakers procedures', () => {
  it('reset: an operator closes an open breaker with a reason, recorded and audited; twice is a CONFLICT', async () => {
    const runId = await runWithOpenBreaker();
    expect((await ops().runs.get({ runId })).openBreakers).toEqual(['cycle']);
    const noReason = await failure(ops().breakers.reset({ runId, breaker: 'cycle', reason: ' ' }));
    expect(noReason.code).toBe('BAD_REQUEST');

    expect(
      await ops().breakers.reset({ runId, breaker: 'cycle', reason: 'checked the loop' }),
    ).toEqual({ breaker: 'cycle', status: 'closed' });
    const state = await loadRunState(engine, runId);
    expect(state.breakers.states.cycle).toMatchObject({
      status: 'closed',
      closed: { by: { kind: 'user', id: 'olga@example.test' }, reason: 'checked the loop' },
    });
    expect((await ops().runs.get({ runId })).openBreakers).toEqual([]);
    const audit = await listAuditEntries(engine.db, { action: 'breaker.reset', limit: 5 });
    expect(audit.entries[0]).toMatchObject({
      actor: { id: 'olga@example.test' },
      target: { runId },
      detail: { breaker: 'cycle', reason: 'checked the loop' },
    });

    const again = await failure(ops().breakers.reset({ runId, breaker: 'cycle', reason: 'x' }));
    expect(again.code).toBe('CONFLICT');
  });

  it('setRunThresholds: governance changes a live run’s thresholds (an event, audited); invalid ones name their path', async () => {
    const { runId } = await ops().runs.spawn({ teamSlug: 'demo-research', goal: 'tune it' });
    const refused = await failure(
      ops().breakers.setRunThresholds({
        runId,
        thresholds: { cycle: { repeats: 4 } },
        reason: 'x',
      }),
    );
    expect(refused.code).toBe('FORBIDDEN');

    const out = await gov().breakers.setRunThresholds({
      runId,
      thresholds: { cycle: { repeats: 4 }, costVelocity: { enabled: false } },
      reason: 'this goal repeats on purpose',
    });
    expect(out.thresholds.cycle).toEqual({ enabled: true, repeats: 4, maxPeriod: 4 });
    const state = await loadRunState(engine, runId);
    expect(state.breakers.thresholds.costVelocity.enabled).toBe(false);
    expect(state.breakers.thresholdsSet).toMatchObject({
      source: 'run',
      by: { id: 'gail@example.test' },
      reason: 'this goal repeats on purpose',
    });

    const invalid = await failure(
      gov().breakers.setRunThresholds({
        runId,
        thresholds: { cycle: { repeats: 0 } },
        reason: 'too low',
      }),
    );
    expect(invalid.code).toBe('BAD_REQUEST');
  });

  it('team defaults: saved by governance, read by anyone, applied to the next run spawned', async () => {
    const before = await ops().breakers.teamDefaults({ slug: 'release-desk' });
    expect(before).toMatchObject({ version: 0, thresholds: {} });
    expect(before.effective).toEqual(before.defaults);

    expect(
      await gov().breakers.saveTeamDefaults({
        slug: 'release-desk',
        thresholds: { noProgress: { turns: 7 }, bounce: { enabled: false } },
      }),
    ).toEqual({ version: 1 });
    const after = await ops().breakers.teamDefaults({ slug: 'release-desk' });
    expect(after.effective.noProgress.turns).toBe(7);
    expect(after.effective.bounce.enabled).toBe(false);

    const { runId } = await ops().runs.spawn({ teamSlug: 'release-desk', goal: 'notes' });
    const state = await loadRunState(engine, runId);
    expect(state.breakers.thresholds.noProgress.turns).toBe(7);
    expect(state.breakers.thresholdsSet?.source).toBe('spawn');
    await ops().runs.kill({ runId, reason: 'done with it' });
  });

  it('providers: every provider’s shared breaker, closed at first', async () => {
    const providers = await ops().breakers.providers();
    expect(providers.map((p) => [p.provider, p.status])).toEqual([
      ['simulated', 'closed'],
      ['openai', 'closed'],
      ['anthropic', 'closed'],
    ]);
  });
});
