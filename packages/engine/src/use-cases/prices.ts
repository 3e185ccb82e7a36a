import {
  getCurrentPriceTable,
  listPriceTables,
  savePriceTableVersion,
  type StoredPriceTable,
} from '@flightdeck/db';
import {
  DEFAULT_PRICE_TABLE,
  describeIssues,
  DomainError,
  type PriceTable,
  Prices,
  type Principal,
} from '@flightdeck/domain';
import type { Engine } from '../engine';

/**
 * The model price table: the newest saved version, or the shipped default
 * when none was ever saved. Each process keeps the table it last read for a
 * few seconds, so pricing a model call costs no query; a version saved by
 * another process is used from the next read on (within PRICE_TABLE_CACHE_MS).
 */

export const PRICE_TABLE_CACHE_MS = 5_000;

interface PriceCache {
  table?: PriceTable;
  readAt: number;
  reading?: Promise<PriceTable>;
  /** Bumped by a save in this process: a read that started before it does not overwrite it. */
  generation: number;
}

const caches = new WeakMap<Engine, PriceCache>();

function cacheOf(engine: Engine): PriceCache {
  let cache = caches.get(engine);
  if (!cache) {
    cache = { readAt: 0, generation: 0 };
    caches.set(engine, cache);
  }
  return cache;
}

const asTable = (stored: StoredPriceTable | null): PriceTable =>
  stored ? { version: stored.version, prices: stored.prices } : DEFAULT_PRICE_TABLE;

/**
 * The current price table. Read from PostgreSQL at most once per
 * PRICE_TABLE_CACHE_MS per process (concurrent callers share one read); when
 * a re-read fails, the table read last is used, so a database hiccup does not
 * fail a model call that was already paid for.
 */
export async function loadPriceTable(engine: Engine): Promise<PriceTable> {
  const cache = cacheOf(engine);
  if (cache.table && Date.now() - cache.readAt < PRICE_TABLE_CACHE_MS) return cache.table;
  const generation = cache.generation;
  cache.reading ??= getCurrentPriceTable(engine.db)
    .then((stored) => {
      if (cache.generation !== generation && cache.table) return cache.table;
      const table = asTable(stored);
      cache.table = table;
      cache.readAt = Date.now();
      return table;
    })
    .finally(() => {
      cache.reading = undefined;
    });
  try {
    return await cache.reading;
  } catch (error) {
    if (cache.table) return cache.table;
    throw error;
  }
}

/** Forgets this process's copy: the next loadPriceTable reads PostgreSQL. */
export function forgetPriceTable(engine: Engine): void {
  caches.delete(engine);
}

export interface PriceTableVersion extends PriceTable {
  createdBy: string;
  createdAt: Date;
}

/** The current table with who saved it and when (null for the shipped default). */
export async function currentPriceTable(
  engine: Engine,
): Promise<PriceTable & { saved: { by: string; at: Date } | null }> {
  const stored = await getCurrentPriceTable(engine.db);
  return {
    ...asTable(stored),
    saved: stored ? { by: stored.createdBy, at: stored.createdAt } : null,
  };
}

/** Saved versions, newest first. */
export async function priceTableHistory(engine: Engine, limit = 50): Promise<PriceTableVersion[]> {
  const versions = await listPriceTables(engine.db, limit);
  return versions.map((v) => ({
    version: v.version,
    prices: v.prices,
    createdBy: v.createdBy,
    createdAt: v.createdAt,
  }));
}

/**
 * Saves `prices` as the next version of the table (`prices.saved` on the audit
 * trail, in the same transaction), used for every model call priced from then
 * on. `basedOn` is the version the editor started from: if another was saved
 * since, the save is refused (CONFLICT). Saving the current prices again
 * changes nothing.
 */
export async function savePriceTable(
  engine: Engine,
  principal: Principal,
  prices: Prices,
  options: { basedOn?: string } = {},
): Promise<{ version: string; created: boolean }> {
  const parsed = Prices.safeParse(prices);
  if (!parsed.success)
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid prices: ${describeIssues(parsed.error.issues, '(prices)')}`,
    );
  const { table, created } = await savePriceTableVersion(engine.db, {
    prices: parsed.data,
    by: principal.actor,
    basedOn: options.basedOn,
    previous: DEFAULT_PRICE_TABLE,
  });
  // This process prices with the new version at once; others within PRICE_TABLE_CACHE_MS.
  const cache = cacheOf(engine);
  cache.generation += 1;
  cache.table = { version: table.version, prices: table.prices };
  cache.readAt = Date.now();
  return { version: table.version, created };
}
