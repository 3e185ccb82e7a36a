import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { DEFAULT_PRICE_TABLE, type Principal } from '@flightdeck/domain';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { listAudit, verifyAudit } from './audit';
import {
  currentPriceTable,
  forgetPriceTable,
  loadPriceTable,
  PRICE_TABLE_CACHE_MS,
  priceTableHistory,
  savePriceTable,
} from './prices';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let dir: string;

const ada: Principal = { actor: { kind: 'user', id: 'ada' }, roles: ['admin'], teams: 'all' };
const bob: Principal = { actor: { kind: 'user', id: 'bob' }, roles: ['admin'], teams: 'all' };

beforeAll(async () => {
  database = await createMigratedTestDatabase('engine_prices');
  prefix = uniqueRedisPrefix('engine_prices');
  dir = await mkdtemp(path.join(tmpdir(), 'fd-engine-prices-'));
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: dir,
  });
});
afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
  await rm(dir, { recursive: true, force: true });
});

describe('price table versions', () => {
  it('start from the shipped default', async () => {
    expect(await loadPriceTable(engine)).toEqual(DEFAULT_PRICE_TABLE);
    expect(await currentPriceTable(engine)).toEqual({ ...DEFAULT_PRICE_TABLE, saved: null });
    expect(await priceTableHistory(engine)).toEqual([]);
  });

  it('save a new version, newest first in the history, audited with what changed', async () => {
    const first = await savePriceTable(engine, ada, {
      ...DEFAULT_PRICE_TABLE.prices,
      'my-model': { inputPerMTok: 1, outputPerMTok: 2 },
    });
    expect(first).toMatchObject({
      created: true,
      version: expect.stringMatching(/^\d{4}-\d\d-\d\d\.1$/),
    });
    const second = await savePriceTable(
      engine,
      bob,
      { 'my-model': { inputPerMTok: 1, outputPerMTok: 3 } },
      { basedOn: first.version },
    );
    expect(second.version).toMatch(/\.2$/);
    expect(await loadPriceTable(engine)).toEqual({
      version: second.version,
      prices: { 'my-model': { inputPerMTok: 1, outputPerMTok: 3 } },
    });
    const current = await currentPriceTable(engine);
    expect(current.saved).toMatchObject({ by: 'bob' });
    expect((await priceTableHistory(engine)).map((v) => [v.version, v.createdBy])).toEqual([
      [second.version, 'bob'],
      [first.version, 'ada'],
    ]);
    const entries = (await listAudit(engine, { action: 'prices.saved' })).entries;
    expect(entries.map((e) => [e.actor.id, e.detail])).toEqual([
      [
        'bob',
        {
          version: second.version,
          previousVersion: first.version,
          models: 1,
          added: [],
          removed: Object.keys(DEFAULT_PRICE_TABLE.prices).sort(),
          changed: ['my-model'],
        },
      ],
      [
        'ada',
        {
          version: first.version,
          previousVersion: DEFAULT_PRICE_TABLE.version,
          models: Object.keys(DEFAULT_PRICE_TABLE.prices).length + 1,
          added: ['my-model'],
          removed: [],
          changed: [],
        },
      ],
    ]);
    expect(await verifyAudit(engine)).toMatchObject({ ok: true, entries: 2 });
  });

  it('change nothing when the prices are the current ones', async () => {
    const before = await currentPriceTable(engine);
    const again = await savePriceTable(engine, ada, before.prices);
    expect(again).toEqual({ version: before.version, created: false });
    expect(await priceTableHistory(engine)).toHaveLength(2);
    expect((await listAudit(engine, { action: 'prices.saved' })).entries).toHaveLength(2);
  });

  it('refuse a save based on a version that is no longer current', async () => {
    const [, older] = await priceTableHistory(engine);
    await expect(
      savePriceTable(
        engine,
        ada,
        { x: { inputPerMTok: 1, outputPerMTok: 1 } },
        { basedOn: older!.version },
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await priceTableHistory(engine)).toHaveLength(2);
  });

  it('refuse invalid prices, naming what is wrong', async () => {
    await expect(
      savePriceTable(engine, ada, { 'bad name': { inputPerMTok: 1, outputPerMTok: 1 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('model name'),
    });
    await expect(
      savePriceTable(engine, ada, { m: { inputPerMTok: -1, outputPerMTok: 1 } }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('negative'),
    });
    expect(await priceTableHistory(engine)).toHaveLength(2);
  });

  it('serve the hot path from memory, and the last good table when PostgreSQL fails', async () => {
    forgetPriceTable(engine);
    const table = await loadPriceTable(engine);
    const queries = vi.spyOn(engine.db.pool, 'query');
    try {
      for (let i = 0; i < 1000; i++) expect(await loadPriceTable(engine)).toBe(table);
      expect(queries).not.toHaveBeenCalled();
      // Past the cache time the table is read again; if that read fails, the last good table serves.
      queries.mockRejectedValue(new Error('connection lost'));
      const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + PRICE_TABLE_CACHE_MS + 1);
      try {
        expect(await loadPriceTable(engine)).toBe(table);
        expect(queries).toHaveBeenCalledTimes(1);
      } finally {
        clock.mockRestore();
      }
      // With no table read yet, a failed read fails the caller: no made-up prices.
      forgetPriceTable(engine);
      await expect(loadPriceTable(engine)).rejects.toThrow('connection lost');
    } finally {
      queries.mockRestore();
    }
  });
});
