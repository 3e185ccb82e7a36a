import { AUDIT_GENESIS_HASH } from '@flightdeck/domain';
import type pg from 'pg';
import { auditHash } from './audit-hash';
import { AUDIT_ENTRY_COLUMNS, auditEntryFromRow, type AuditEntryRow } from './audit-rows';
import type { AuditCheckpoint } from './checkpoint';

/**
 * Verification of the whole audit chain: streams every entry in seq order and
 * names the first that is wrong.
 *
 * - `gap`: the entry with this seq is missing (deleted, or the chain renumbered);
 * - `prev-mismatch`: its prev_hash is not the hash of the entry before it
 *   (an entry before it was inserted, removed or moved);
 * - `hash-mismatch`: its hash does not cover its content (it was edited);
 * - `checkpoint-mismatch`: its hash differs from a checkpoint taken outside
 *   PostgreSQL (the chain was rewritten consistently from here or before);
 * - `truncated`: entries from this seq on are gone, though the head row or a
 *   checkpoint recorded them;
 * - `head-mismatch`: the last entry is not the one the head row records.
 */

export type AuditBreakReason =
  'gap' | 'prev-mismatch' | 'hash-mismatch' | 'checkpoint-mismatch' | 'truncated' | 'head-mismatch';

export interface AuditBreak {
  seq: number;
  reason: AuditBreakReason;
  message: string;
}

export type AuditVerification =
  | {
      ok: true;
      /** Entries checked. */
      entries: number;
      head: { seq: number; hash: string };
      checkpointsChecked: number;
      durationMs: number;
    }
  | {
      ok: false;
      /** Entries found good before the first bad one. */
      entries: number;
      firstBad: AuditBreak;
      checkpointsChecked: number;
      durationMs: number;
    };

export interface VerifyAuditOptions {
  /** Checkpoints recorded outside PostgreSQL (see readAuditCheckpoints). */
  checkpoints?: readonly AuditCheckpoint[];
  /** Rows per query. Default 50,000. */
  batchSize?: number;
  /** Called after each batch. */
  onProgress?: (progress: { entries: number; headSeq: number }) => void;
}

const DEFAULT_BATCH = 50_000;

export async function verifyAuditChain(
  pool: pg.Pool,
  options: VerifyAuditOptions = {},
): Promise<AuditVerification> {
  const started = performance.now();
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const expected = checkpointIndex(options.checkpoints ?? []);
  let checkpointsChecked = 0;

  // Entries appended while we read are left for the next verification.
  const headRow = await pool.query<{ seq: string; hash: string }>(
    'SELECT seq::text AS seq, hash FROM audit_head WHERE id = 1',
  );
  const recordedHead = headRow.rows[0]
    ? { seq: Number(headRow.rows[0].seq), hash: headRow.rows[0].hash }
    : null;
  // Without a head row (it was removed), every entry is checked.
  const bound =
    recordedHead?.seq ??
    Number(
      (await pool.query<{ max: string | null }>('SELECT max(seq)::text AS max FROM audit_entries'))
        .rows[0]?.max ?? 0,
    );

  const fetch = (afterSeq: number) => {
    const query = pool.query<AuditEntryRow>(
      `SELECT ${AUDIT_ENTRY_COLUMNS} FROM audit_entries
        WHERE seq > $1 AND seq <= $2 ORDER BY audit_entries.seq LIMIT $3`,
      [afterSeq, bound, batchSize],
    );
    // A prefetch abandoned by an early return must not become an unhandled rejection.
    query.catch(() => undefined);
    return query;
  };

  let lastSeq = 0;
  let prevHash = AUDIT_GENESIS_HASH;
  const fail = (seq: number, reason: AuditBreakReason, message: string): AuditVerification => ({
    ok: false,
    entries: seq - 1 < lastSeq ? seq - 1 : lastSeq,
    firstBad: { seq, reason, message },
    checkpointsChecked,
    durationMs: Math.round(performance.now() - started),
  });

  let pending = fetch(0);
  for (;;) {
    const { rows } = await pending;
    const last = rows.at(-1);
    // Read the next batch while this one is hashed.
    if (last && rows.length === batchSize) pending = fetch(Number(last.seq));
    for (const row of rows) {
      const entry = auditEntryFromRow(row);
      const seq = lastSeq + 1;
      if (entry.seq !== seq) {
        return fail(seq, 'gap', `entry ${seq} is missing: the next entry is ${entry.seq}`);
      }
      if (entry.prevHash !== prevHash) {
        return fail(
          seq,
          'prev-mismatch',
          `entry ${seq} does not follow entry ${seq - 1}: an entry was inserted, removed or moved`,
        );
      }
      if (auditHash(prevHash, entry) !== entry.hash) {
        return fail(seq, 'hash-mismatch', `entry ${seq} was changed after it was written`);
      }
      const recorded = expected.get(seq);
      if (recorded) {
        checkpointsChecked += recorded.length;
        if (recorded.some((hash) => hash !== entry.hash)) {
          return fail(
            seq,
            'checkpoint-mismatch',
            `entry ${seq} differs from its checkpoint: the chain was rewritten up to here`,
          );
        }
      }
      lastSeq = seq;
      prevHash = entry.hash;
    }
    options.onProgress?.({ entries: lastSeq, headSeq: bound });
    if (!last || rows.length < batchSize) break;
  }

  let lastCheckpoint = 0;
  for (const seq of expected.keys()) lastCheckpoint = Math.max(lastCheckpoint, seq);
  if (lastCheckpoint > lastSeq) {
    return fail(
      lastSeq + 1,
      'truncated',
      `entries from ${lastSeq + 1} on are gone: a checkpoint recorded entry ${lastCheckpoint}`,
    );
  }
  if (!recordedHead) {
    return fail(lastSeq, 'head-mismatch', 'the head row is missing');
  }
  if (recordedHead.seq > lastSeq) {
    return fail(
      lastSeq + 1,
      'truncated',
      `entries from ${lastSeq + 1} on are gone: the head records entry ${recordedHead.seq}`,
    );
  }
  if (recordedHead.hash !== prevHash) {
    return fail(lastSeq, 'head-mismatch', `the head does not record entry ${lastSeq}'s hash`);
  }
  return {
    ok: true,
    entries: lastSeq,
    head: { seq: lastSeq, hash: prevHash },
    checkpointsChecked,
    durationMs: Math.round(performance.now() - started),
  };
}

/** seq → every hash recorded for it (several writers may checkpoint the same head). */
function checkpointIndex(checkpoints: readonly AuditCheckpoint[]): Map<number, string[]> {
  const index = new Map<number, string[]>();
  for (const checkpoint of checkpoints) {
    const hashes = index.get(checkpoint.seq) ?? [];
    hashes.push(checkpoint.hash);
    index.set(checkpoint.seq, hashes);
  }
  return index;
}
