import { listAuditEntries } from '@flightdeck/db';
import {
  costMicroUsd,
  DEFAULT_PRICE_TABLE,
  type Principal,
  type RunEvent,
} from '@flightdeck/domain';
import {
  createEngine,
  type Engine,
  loadPriceTable,
  PRICE_TABLE_CACHE_MS,
  saveTeam,
  savePriceTable,
  spawnRun,
  verifyAudit,
} from '@flightdeck/engine';
import { uniqueRedisPrefix, redisUrl } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Harness,
  operator,
  runState,
  startHarness,
  waitFor,
  waitForStatus,
} from './test/harness';

/**
 * The price table is editable and versioned: a saved version prices the next
 * model calls, and each llm.call.finished records the version it was priced
 * with, in the worker that made the call, in this process and in another.
 */

let harness: Harness;
let engine: Engine;

const TEAM = `name: priced
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini, tools: [fs.list] }
simulation: { latencyMs: 5, errorRate: 0, minSteps: 2, maxSteps: 2 }
`;

const admin: Principal = {
  actor: { kind: 'user', id: 'prices-admin@example.test' },
  roles: ['admin'],
  teams: 'all',
};

beforeAll(async () => {
  harness = await startHarness('worker_prices', { workers: 1 });
  ({ engine } = harness);
  await saveTeam(engine, { source: TEAM });
}, 60_000);

afterAll(() => harness.close());

type Finished = Extract<RunEvent, { type: 'llm.call.finished' }>;

/** Runs the team to its end and returns its finished model calls, with the model each called. */
async function modelCalls(goal: string): Promise<{ call: Finished; model: string }[]> {
  const { runId } = await spawnRun(engine, { teamSlug: 'priced', goal, by: operator });
  await waitForStatus(engine, runId, 'completed');
  const { events, state } = await runState(engine, runId);
  const calls = events.filter((e): e is Finished => e.type === 'llm.call.finished');
  expect(calls.length).toBeGreaterThan(0);
  return calls.map((call) => ({ call, model: state.agents[call.agentId!]!.model.name }));
}

describe('the price table', () => {
  it('prices with the shipped default until a version is saved', async () => {
    for (const { call, model } of await modelCalls('Before any price is saved')) {
      expect(model).toBe('gpt-4o-mini');
      expect(call.payload.priceVersion).toBe(DEFAULT_PRICE_TABLE.version);
      expect(call.payload.costMicroUsd).toBe(
        costMicroUsd(DEFAULT_PRICE_TABLE, model, call.payload.usage),
      );
    }
  });

  it('prices the next model calls with a saved version, and records that version on each', async () => {
    const { version, created } = await savePriceTable(engine, admin, {
      ...DEFAULT_PRICE_TABLE.prices,
      'gpt-4o-mini': { inputPerMTok: 100, outputPerMTok: 200 },
    });
    expect(created).toBe(true);
    expect(version).not.toBe(DEFAULT_PRICE_TABLE.version);
    for (const { call } of await modelCalls('After the price rose')) {
      const { inputTokens, outputTokens } = call.payload.usage;
      expect(inputTokens + outputTokens).toBeGreaterThan(0);
      expect(call.payload.priceVersion).toBe(version);
      // $100 and $200 per million tokens are 100 and 200 micro-dollars per token.
      expect(call.payload.costMicroUsd).toBe(inputTokens * 100 + outputTokens * 200);
    }
    // Saved as a governance act, in the chain.
    const [entry] = (await listAuditEntries(engine.db, { action: 'prices.saved' })).entries;
    expect(entry).toMatchObject({
      actor: admin.actor,
      detail: { version, previousVersion: DEFAULT_PRICE_TABLE.version, changed: ['gpt-4o-mini'] },
    });
    expect(await verifyAudit(engine)).toMatchObject({ ok: true });
  });

  it('reaches a worker in another process within the cache time', async () => {
    const other = await createEngine({
      ...engine.config,
      queuePrefix: uniqueRedisPrefix('worker_prices_other'),
      redisUrl: redisUrl(),
    });
    let version: string;
    try {
      ({ version } = await savePriceTable(other, admin, {
        'gpt-4o-mini': { inputPerMTok: 1, outputPerMTok: 3 },
      }));
    } finally {
      await other.close();
    }
    // The worker's engine read the previous version less than PRICE_TABLE_CACHE_MS ago, or not: wait until it sees this one.
    await waitFor(
      'the worker to read the new version',
      async () => (await loadPriceTable(engine)).version === version,
      PRICE_TABLE_CACHE_MS * 3,
    );
    for (const { call } of await modelCalls('Priced by another process')) {
      const { inputTokens, outputTokens } = call.payload.usage;
      expect(call.payload.priceVersion).toBe(version);
      expect(call.payload.costMicroUsd).toBe(inputTokens + outputTokens * 3);
    }
  });
});
