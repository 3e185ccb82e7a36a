import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Db } from '../client';

/**
 * Checkpoints of the audit chain's head, kept outside PostgreSQL: an
 * append-only file of JSON lines `{seq, hash, at, writtenAt}`. Someone who can
 * rewrite the database (and so could rewrite the whole chain consistently, or
 * cut its tail and its head row) cannot rewrite what was recorded here;
 * verification checks every recorded checkpoint against the chain.
 */

export const AuditCheckpoint = z.object({
  seq: z.number().int().positive(),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest'),
  /** When the entry at seq was written. */
  at: z.string(),
  /** When this checkpoint was taken. */
  writtenAt: z.string(),
});
export type AuditCheckpoint = z.infer<typeof AuditCheckpoint>;

/** Every checkpoint in the file, in file order; none when the file does not exist. */
export async function readAuditCheckpoints(file: string): Promise<AuditCheckpoint[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const checkpoints: AuditCheckpoint[] = [];
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (!line.trim()) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    const result = AuditCheckpoint.safeParse(parsed);
    if (!result.success) {
      // A torn last line (a crash mid-write) is left out; anything else is refused.
      if (index === lines.length - 1) continue;
      throw new Error(`${file} line ${index + 1} is not an audit checkpoint`);
    }
    checkpoints.push(result.data);
  }
  return checkpoints;
}

export async function appendAuditCheckpoint(
  file: string,
  checkpoint: AuditCheckpoint,
): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify(checkpoint)}\n`, { encoding: 'utf8', flag: 'a' });
}

/** The chain's last entry as stored, or null when the chain is empty. */
async function lastAuditEntry(db: Db): Promise<Omit<AuditCheckpoint, 'writtenAt'> | null> {
  const result = await db.pool.query<{ seq: string; hash: string; at: string }>(
    `SELECT seq::text AS seq, hash, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
       FROM audit_entries ORDER BY audit_entries.seq DESC LIMIT 1`,
  );
  const row = result.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash, at: row.at } : null;
}

export interface AuditCheckpointer {
  /** Records the head if it moved since the last checkpoint in the file; returns what it wrote. */
  checkpoint(): Promise<AuditCheckpoint | null>;
}

/** Checkpoints the head of `db`'s chain into `file` (call it on a timer). */
export function createAuditCheckpointer(
  db: Db,
  file: string,
  now: () => Date = () => new Date(),
): AuditCheckpointer {
  let lastSeq: number | undefined;
  return {
    async checkpoint() {
      lastSeq ??= (await readAuditCheckpoints(file)).reduce((max, c) => Math.max(max, c.seq), 0);
      const head = await lastAuditEntry(db);
      if (!head || head.seq <= lastSeq) return null;
      const checkpoint = { ...head, writtenAt: now().toISOString() };
      await appendAuditCheckpoint(file, checkpoint);
      lastSeq = head.seq;
      return checkpoint;
    },
  };
}
