import { Uuid } from '@flightdeck/domain';
import { z } from 'zod';
import type { Db } from '../client';

/**
 * A run's latest state snapshot: the reducer's RunState after `seq`, kept so
 * that a large run's state is its snapshot plus the events after it, not its
 * whole log. Derived data: it can be deleted or be of an older format, and
 * the log still says everything.
 */
export interface StoredRunSnapshot {
  seq: number;
  /** The state as stored (JSON): the caller checks it against what it expects. */
  state: unknown;
}

const SnapshotRow = z.object({ seq: z.number().int().positive(), state: z.unknown() });

/** The run's snapshot in `format`, or null (none yet, or written by a reducer of another format). */
export async function readRunSnapshot(
  db: Db,
  runId: string,
  format: number,
): Promise<StoredRunSnapshot | null> {
  if (!Uuid.safeParse(runId).success) return null;
  const result = await db.pool.query<{ seq: number; state: unknown }>(
    `SELECT seq, state FROM run_snapshots WHERE run_id = $1 AND format = $2`,
    [runId, format],
  );
  const row = result.rows[0];
  return row ? SnapshotRow.parse(row) : null;
}

/**
 * Keep `state` as the run's snapshot if it is newer than the stored one (or
 * the stored one is of another format). Concurrent writers are harmless: the
 * newest seq wins, and every snapshot at a seq is the same state.
 */
export async function saveRunSnapshot(
  db: Db,
  snapshot: { runId: string; seq: number; format: number; state: unknown },
): Promise<void> {
  await db.pool.query(
    `INSERT INTO run_snapshots (run_id, seq, format, state) VALUES ($1, $2, $3, $4::json)
     ON CONFLICT (run_id) DO UPDATE SET seq = EXCLUDED.seq, format = EXCLUDED.format,
       state = EXCLUDED.state, created_at = now()
     WHERE run_snapshots.seq < EXCLUDED.seq OR run_snapshots.format <> EXCLUDED.format`,
    [snapshot.runId, snapshot.seq, snapshot.format, JSON.stringify(snapshot.state)],
  );
}
