import type { AuditEntry, JsonValue } from '@flightdeck/domain';

/**
 * How audit entries are read: seq as text (bigint), `at` formatted by
 * PostgreSQL as the exact ISO string that was hashed (UTC, milliseconds), so
 * the hot path of verification parses no dates.
 */
export const AUDIT_ENTRY_COLUMNS = `seq::text AS seq,
  to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at,
  actor_kind, actor_id, action, target, detail, prev_hash, hash`;

export interface AuditEntryRow {
  seq: string;
  at: string;
  actor_kind: string;
  actor_id: string;
  action: string;
  target: Record<string, JsonValue>;
  detail: Record<string, JsonValue>;
  prev_hash: string;
  hash: string;
}

export function auditEntryFromRow(row: AuditEntryRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: { kind: row.actor_kind, id: row.actor_id },
    action: row.action,
    target: row.target,
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
