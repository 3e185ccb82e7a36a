import {
  type AuditEntry,
  type AuditEntryFields,
  AuditEntryInput,
  describeIssues,
  DomainError,
  type JsonValue,
  type ParsedAuditEntryInput,
} from '@flightdeck/domain';
import type pg from 'pg';
import type { Db } from '../client';
import { inTransaction } from '../transaction';
import { auditHash } from './audit-hash';
import { AUDIT_ENTRY_COLUMNS, auditEntryFromRow, type AuditEntryRow } from './audit-rows';

/**
 * The audit trail's writes and reads. An entry is appended inside the
 * caller's transaction, so the act and its entry commit together or not at
 * all. Appends serialize on the one-row `audit_head` table: seq is gapless and
 * each entry's prev_hash is the hash of the entry before it.
 */

/** Parses an entry's input, or throws DomainError INVALID_INPUT naming what is wrong. */
export function parseAuditEntryInput(input: AuditEntryInput): ParsedAuditEntryInput {
  const parsed = AuditEntryInput.safeParse(input);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid audit entry: ${describeIssues(parsed.error.issues, '(entry)')}`,
    );
  }
  return parsed.data;
}

/**
 * Appends one entry to the audit chain and returns it as stored. Call it on
 * the client of an open transaction (see `inTransaction`), after the act's own
 * writes: it holds the chain's head lock until that transaction ends. If it
 * throws, the caller's transaction must roll back — the act does not happen.
 */
export async function appendAuditEntry(
  client: pg.PoolClient,
  input: AuditEntryInput,
): Promise<AuditEntry> {
  const entry = parseAuditEntryInput(input);
  const head = await client.query<{ seq: string; hash: string }>(
    'SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1 FOR UPDATE',
  );
  const current = head.rows[0];
  if (!current) throw new Error('The audit chain has no head row: the database is not migrated');
  const fields: AuditEntryFields = {
    seq: Number(current.seq) + 1,
    // Taken under the head lock, so entries' times never go backwards (on one clock).
    at: new Date().toISOString(),
    actor: { kind: entry.actor.kind, id: entry.actor.id },
    action: entry.action,
    target: withoutUndefined(entry.target),
    detail: entry.detail,
  };
  const hash = auditHash(current.hash, fields);
  // The entry and the chain's new head in one statement (one round trip under the head's lock).
  await client.query(
    `WITH entry AS (
       INSERT INTO audit_entries (seq, at, actor_kind, actor_id, action, target, detail, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     )
     UPDATE audit_head SET seq = $1, hash = $9 WHERE id = 1`,
    [
      fields.seq,
      fields.at,
      fields.actor.kind,
      fields.actor.id,
      fields.action,
      JSON.stringify(fields.target),
      JSON.stringify(fields.detail),
      current.hash,
      hash,
    ],
  );
  return { ...fields, prevHash: current.hash, hash };
}

/** Records an act that has no other write of its own (e.g. a sign-in), in its own transaction. */
export async function recordAuditEntry(db: Db, input: AuditEntryInput): Promise<AuditEntry> {
  return inTransaction(db.pool, (client) => appendAuditEntry(client, input));
}

function withoutUndefined(record: Record<string, string | undefined>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out;
}

export interface ListAuditQuery {
  /** Entries with seq below this (the next page of a newest-first listing). */
  beforeSeq?: number;
  /** 1…500. Default 100. */
  limit?: number;
  action?: string;
  /** Entries of any of these actions. */
  actions?: readonly string[];
  actorId?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as beforeSeq for the next page; null at the end. */
  nextBeforeSeq: number | null;
}

/** Entries newest first, optionally of one action, of some actions, or of one actor. */
export async function listAuditEntries(db: Db, query: ListAuditQuery = {}): Promise<AuditPage> {
  const limit = query.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
    throw new DomainError('INVALID_INPUT', `limit must be an integer from 1 to 500, got ${limit}`);
  }
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (query.beforeSeq !== undefined) add('seq < ?', query.beforeSeq);
  if (query.action) add('action = ?', query.action);
  if (query.actions) add('action = ANY(?)', [...query.actions]);
  if (query.actorId) add('actor_id = ?', query.actorId);
  params.push(limit + 1);
  const result = await db.pool.query<AuditEntryRow>(
    `SELECT ${AUDIT_ENTRY_COLUMNS} FROM audit_entries
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY audit_entries.seq DESC LIMIT $${params.length}`,
    params,
  );
  const rows = result.rows.slice(0, limit).map(auditEntryFromRow);
  const last = rows.at(-1);
  return {
    entries: rows,
    nextBeforeSeq: result.rows.length > limit && last ? last.seq : null,
  };
}

/** The chain's last entry (seq 0 and the genesis hash when it is empty), as the head row says. */
export async function getAuditHead(db: Db): Promise<{ seq: number; hash: string }> {
  const result = await db.pool.query<{ seq: string; hash: string }>(
    'SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1',
  );
  const head = result.rows[0];
  if (!head) throw new Error('The audit chain has no head row: the database is not migrated');
  return { seq: Number(head.seq), hash: head.hash };
}
