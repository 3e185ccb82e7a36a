import { deleteRedisKeys, redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  budgetScopeKey,
  type CounterInit,
  type CounterKey,
  initBudgetCounters,
  readBudgetCounters,
  releaseBudget,
  reserveBudget,
  settleBudget,
  writeBudgetLimits,
} from './budget-reservations';

const redis = new Redis(redisUrl());
const prefix = uniqueRedisPrefix('budget');
afterAll(async () => {
  await deleteRedisKeys(prefix);
  await redis.quit();
});

let n = 0;
const fresh = (label: string): CounterKey => ({
  key: budgetScopeKey(prefix, `${label}:${++n}`),
  ttlMs: 60_000,
});

function init(key: CounterKey, overrides: Partial<CounterInit> = {}): CounterInit {
  return {
    key: key.key,
    ttlMs: key.ttlMs,
    version: 0,
    limits: {},
    used: {},
    marks: [],
    warned: [],
    assumeWarned: false,
    ...overrides,
  };
}

describe('budget reservations in Redis', () => {
  it('refuses to reserve against counters that were never initialized, naming them', async () => {
    const a = fresh('a');
    const b = fresh('b');
    await initBudgetCounters(redis, [init(a)]);
    expect(
      await reserveBudget(redis, prefix, {
        reservationId: 'r-uninit',
        keys: [a, b],
        amounts: { llmCalls: 1 },
      }),
    ).toEqual({ kind: 'uninitialized', scopes: [1] });
  });

  it('admits exactly as many concurrent reservations as the hard limit holds', async () => {
    const run = fresh('run');
    const team = fresh('team');
    await initBudgetCounters(redis, [
      init(run, { limits: { llmCalls: { hard: 10 } }, used: { llmCalls: 3 } }),
      init(team),
    ]);
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        reserveBudget(redis, prefix, {
          reservationId: `race-${n}-${i}`,
          keys: [run, team],
          amounts: { llmCalls: 1, usd: 10 },
        }),
      ),
    );
    expect(outcomes.filter((o) => o.kind === 'reserved')).toHaveLength(7);
    const refused = outcomes.find((o) => o.kind === 'exceeded');
    expect(refused).toEqual({
      kind: 'exceeded',
      scope: 0,
      metric: 'llmCalls',
      limit: 10,
      used: 3,
      reserved: 7,
      requested: 1,
    });
    const [runCounters, teamCounters] = await readBudgetCounters(redis, [run.key, team.key]);
    expect(runCounters).toMatchObject({
      reserved: { llmCalls: 7, usd: 70 },
      used: { llmCalls: 3 },
    });
    // Every scope holds every admitted reservation, not only the one that limits.
    expect(teamCounters?.reserved).toEqual({ llmCalls: 7, usd: 70 });
  });

  it('settles: releases the reservation, adds the real usage, and reports a soft limit once', async () => {
    const run = fresh('run');
    await initBudgetCounters(redis, [init(run, { limits: { usd: { soft: 100, hard: 1000 } } })]);
    const reserve = (id: string) =>
      reserveBudget(redis, prefix, { reservationId: id, keys: [run], amounts: { usd: 400 } });
    expect(await reserve('s1')).toEqual({ kind: 'reserved', renewed: false });
    const crossed = await settleBudget(redis, prefix, {
      reservationId: 's1',
      runId: 'run-1',
      seq: 10,
      keys: [run],
      amounts: { usd: 150, llmCalls: 1 },
    });
    expect(crossed).toEqual([{ scope: 0, metric: 'usd', soft: 100, used: 150 }]);
    expect((await readBudgetCounters(redis, [run.key]))[0]).toMatchObject({
      used: { usd: 150, llmCalls: 1 },
      reserved: {},
    });
    await reserve('s2');
    expect(
      await settleBudget(redis, prefix, {
        reservationId: 's2',
        runId: 'run-1',
        seq: 11,
        keys: [run],
        amounts: { usd: 50 },
      }),
    ).toEqual([]);
  });

  it('treats a reservation id it already holds as held (a retried job does not reserve twice)', async () => {
    const run = fresh('run');
    await initBudgetCounters(redis, [init(run, { limits: { llmCalls: { hard: 1 } } })]);
    const again = () =>
      reserveBudget(redis, prefix, {
        reservationId: 'same',
        keys: [run],
        amounts: { llmCalls: 1 },
      });
    expect(await again()).toEqual({ kind: 'reserved', renewed: false });
    expect(await again()).toEqual({ kind: 'reserved', renewed: true });
    await releaseBudget(redis, prefix, 'same');
    expect((await readBudgetCounters(redis, [run.key]))[0]?.reserved).toEqual({});
  });

  it('releases the reservation of a worker that died when its lease expires', async () => {
    const run = fresh('run');
    await initBudgetCounters(redis, [init(run, { limits: { llmCalls: { hard: 1 } } })]);
    const t0 = Date.now();
    expect(
      await reserveBudget(redis, prefix, {
        reservationId: 'dead-worker',
        keys: [run],
        amounts: { llmCalls: 1 },
        leaseMs: 1_000,
        now: t0,
      }),
    ).toMatchObject({ kind: 'reserved' });
    const other = (now: number) =>
      reserveBudget(redis, prefix, {
        reservationId: `alive-${now}`,
        keys: [run],
        amounts: { llmCalls: 1 },
        now,
      });
    expect(await other(t0 + 500)).toMatchObject({ kind: 'exceeded', reserved: 1 });
    expect(await other(t0 + 1_001)).toEqual({ kind: 'reserved', renewed: false });
  });

  it('counts each event once across a rebuild: watermarks and settlements that came first', async () => {
    const team = fresh('team');
    // Run A's events 1..5 are in the snapshot; run B had nothing when it was read.
    // A settlement of A's seq 5 arrives before the counters exist (it is in the snapshot),
    // one of A's seq 6 too (it is not), and one of B's seq 2.
    for (const [runId, seq] of [
      ['A', 5],
      ['A', 6],
      ['B', 2],
    ] as const)
      await settleBudget(redis, prefix, {
        reservationId: null,
        runId,
        seq,
        keys: [team],
        amounts: { usd: 100, turns: 1 },
      });
    expect((await readBudgetCounters(redis, [team.key]))[0]?.initialized).toBe(false);
    await initBudgetCounters(redis, [
      init(team, {
        used: { usd: 1_000, turns: 5 },
        marks: [
          { runId: 'A', lastSeq: 5 },
          { runId: 'B', lastSeq: 0 },
        ],
      }),
    ]);
    expect((await readBudgetCounters(redis, [team.key]))[0]?.used).toEqual({
      usd: 1_200,
      turns: 7,
    });
    // After the rebuild: A's seq 5 again (a duplicate settle) is not counted, seq 7 is.
    for (const seq of [5, 7])
      await settleBudget(redis, prefix, {
        reservationId: null,
        runId: 'A',
        seq,
        keys: [team],
        amounts: { usd: 1 },
      });
    expect((await readBudgetCounters(redis, [team.key]))[0]?.used.usd).toBe(1_201);
  });

  it('initializes once: a second rebuild of counters that exist changes nothing', async () => {
    const run = fresh('run');
    expect(await initBudgetCounters(redis, [init(run, { used: { turns: 2 } })])).toEqual([true]);
    expect(await initBudgetCounters(redis, [init(run, { used: { turns: 99 } })])).toEqual([false]);
    expect((await readBudgetCounters(redis, [run.key]))[0]?.used).toEqual({ turns: 2 });
  });

  it('keeps the newest limits: an older version never replaces a newer one', async () => {
    const run = fresh('run');
    await writeBudgetLimits(redis, [
      { key: run.key, ttlMs: 60_000, version: 7, limits: { usd: { hard: 700 } } },
    ]);
    // A rebuild from an older snapshot of the limits keeps version 7's.
    await initBudgetCounters(redis, [init(run, { version: 3, limits: { usd: { hard: 300 } } })]);
    expect(
      await writeBudgetLimits(redis, [
        { key: run.key, ttlMs: 60_000, version: 5, limits: { usd: { hard: 500 } } },
      ]),
    ).toEqual([false]);
    const [stored] = await readBudgetCounters(redis, [run.key]);
    expect(stored).toMatchObject({ initialized: true, version: 7, limits: { usd: { hard: 700 } } });
    // Large limits survive the trip through Lua exactly.
    await writeBudgetLimits(redis, [
      { key: run.key, ttlMs: 60_000, version: 8, limits: { usd: { hard: 123_456_789_012_345 } } },
    ]);
    expect((await readBudgetCounters(redis, [run.key]))[0]?.limits).toEqual({
      usd: { hard: 123_456_789_012_345 },
    });
  });

  it('says the stored limits are stale when the caller knows a newer version', async () => {
    const run = fresh('run');
    await initBudgetCounters(redis, [init(run, { version: 2 })]);
    expect(
      await reserveBudget(redis, prefix, {
        reservationId: 'stale',
        keys: [{ ...run, minVersion: 4 }],
        amounts: { turns: 1 },
      }),
    ).toEqual({ kind: 'stale-limits', scopes: [0] });
    expect(
      await reserveBudget(redis, prefix, {
        reservationId: 'fresh',
        keys: [{ ...run, minVersion: 2 }],
        amounts: { turns: 1 },
      }),
    ).toMatchObject({ kind: 'reserved' });
  });

  it('warns again about a soft limit that was moved, once it is crossed again', async () => {
    const run = fresh('run');
    await initBudgetCounters(redis, [init(run, { limits: { turns: { soft: 2 } } })]);
    const settle = (seq: number) =>
      settleBudget(redis, prefix, {
        reservationId: null,
        runId: 'r',
        seq,
        keys: [run],
        amounts: { turns: 1 },
      });
    await settle(1);
    expect(await settle(2)).toHaveLength(1);
    expect(await settle(3)).toHaveLength(0);
    await writeBudgetLimits(redis, [
      { key: run.key, ttlMs: 60_000, version: 1, limits: { turns: { soft: 5 } } },
    ]);
    await settle(4);
    expect(await settle(5)).toEqual([{ scope: 0, metric: 'turns', soft: 5, used: 5 }]);
  });

  it('does not warn again after a rebuild when told what was warned', async () => {
    const run = fresh('run');
    await initBudgetCounters(redis, [
      init(run, { limits: { turns: { soft: 1 } }, used: { turns: 3 }, warned: ['turns'] }),
    ]);
    const team = fresh('team');
    await initBudgetCounters(redis, [
      init(team, { limits: { turns: { soft: 1 } }, used: { turns: 3 }, assumeWarned: true }),
    ]);
    for (const key of [run, team])
      expect(
        await settleBudget(redis, prefix, {
          reservationId: null,
          runId: 'r',
          seq: 9,
          keys: [key],
          amounts: { turns: 1 },
        }),
      ).toEqual([]);
  });
});
