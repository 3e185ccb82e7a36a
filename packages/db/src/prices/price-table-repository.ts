import {
  type Actor,
  diffPrices,
  DomainError,
  isNoChange,
  type PriceTable,
  Prices,
} from '@flightdeck/domain';
import { appendAuditEntry } from '../audit/audit-store';
import type { Db } from '../client';
import { inTransaction } from '../transaction';

/**
 * Versions of the model price table, newest = current. A saved version is
 * never changed; a new one is written with its audit entry (`prices.saved`)
 * in one transaction.
 */

export interface StoredPriceTable extends PriceTable {
  seq: number;
  createdBy: string;
  createdAt: Date;
}

interface PriceTableRow {
  seq: number;
  version: string;
  prices: unknown;
  created_by: string;
  created_at: Date;
}

function fromRow(row: PriceTableRow): StoredPriceTable {
  return {
    seq: row.seq,
    version: row.version,
    // Re-validated on the way out: what prices calls must be what the schema allows.
    prices: Prices.parse(row.prices),
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** The newest saved version; null when none was ever saved (the default applies). */
export async function getCurrentPriceTable(db: Db): Promise<StoredPriceTable | null> {
  const result = await db.pool.query<PriceTableRow>(
    'SELECT seq, version, prices, created_by, created_at FROM price_tables ORDER BY seq DESC LIMIT 1',
  );
  const row = result.rows[0];
  return row ? fromRow(row) : null;
}

/** Saved versions, newest first. */
export async function listPriceTables(db: Db, limit = 50): Promise<StoredPriceTable[]> {
  const result = await db.pool.query<PriceTableRow>(
    `SELECT seq, version, prices, created_by, created_at FROM price_tables
      ORDER BY seq DESC LIMIT $1`,
    [limit],
  );
  return result.rows.map(fromRow);
}

/** A version's name: the day it was saved and its number, e.g. `2026-11-23.4`. */
const versionName = (seq: number, at: Date) => `${at.toISOString().slice(0, 10)}.${seq}`;

/**
 * Saves `prices` as the next version, unless they equal the current ones
 * (then the current version is returned, `created: false`). `basedOn` is the
 * version the editor started from: when another version was saved since, the
 * save is refused (CONFLICT) rather than silently overwriting it. `previous`
 * is what a first save changes from (the shipped default).
 */
export async function savePriceTableVersion(
  db: Db,
  input: {
    prices: Prices;
    by: Actor;
    basedOn?: string;
    previous: PriceTable;
  },
): Promise<{ table: StoredPriceTable; created: boolean }> {
  const prices = Prices.parse(input.prices);
  return inTransaction(db.pool, async (client) => {
    // One saver at a time: the next seq is the current one plus one.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('flightdeck.price_tables'))`);
    const current = await client.query<PriceTableRow>(
      'SELECT seq, version, prices, created_by, created_at FROM price_tables ORDER BY seq DESC LIMIT 1',
    );
    const currentRow = current.rows[0];
    const before: PriceTable = currentRow ? fromRow(currentRow) : input.previous;
    if (input.basedOn !== undefined && input.basedOn !== before.version)
      throw new DomainError(
        'CONFLICT',
        `The price table changed since you opened it: version ${before.version} is current now. Reload, then make your change again.`,
      );
    const change = diffPrices(before.prices, prices);
    // Saving the current prices again changes nothing (a first save always pins a version).
    if (currentRow && isNoChange(change)) return { table: fromRow(currentRow), created: false };
    const seq = (currentRow?.seq ?? 0) + 1;
    const now = new Date();
    const version = versionName(seq, now);
    const inserted = await client.query<PriceTableRow>(
      `INSERT INTO price_tables (seq, version, prices, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5)
       RETURNING seq, version, prices, created_by, created_at`,
      [seq, version, JSON.stringify(prices), input.by.id, now],
    );
    await appendAuditEntry(client, {
      actor: input.by,
      action: 'prices.saved',
      detail: {
        version,
        previousVersion: before.version,
        models: Object.keys(prices).length,
        // Names only, a few of each: the versions themselves hold the prices.
        added: change.added.slice(0, 20),
        removed: change.removed.slice(0, 20),
        changed: change.changed.slice(0, 20),
      },
    });
    return { table: fromRow(inserted.rows[0]!), created: true };
  });
}
