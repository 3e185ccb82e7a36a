/**
 * `npm run bench -- audit`: 1,000,000 valid audit entries (100,000 with
 * --quick), hash-chained in Node and bulk-inserted into a fresh database, then
 * `verifyAuditChain` over all of them against a checkpoint of the head (target:
 * under 60 s). Then one entry near the end is edited with the triggers off and
 * the chain verified again: it must be named.
 */
import { randomUUID } from 'node:crypto';
import { auditHash, createDb, type Db, verifyAuditChain } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { AUDIT_ACTIONS, AUDIT_GENESIS_HASH, type AuditEntryFields } from '@flightdeck/domain';
import type { BenchOptions, BenchResult } from './registry';

const BATCH = 20_000;

/** A plausible entry: a few actors and actions, a run or team target, a small detail. */
function fields(seq: number, at: number): AuditEntryFields {
  const action = AUDIT_ACTIONS[seq % AUDIT_ACTIONS.length] ?? 'run.killed';
  return {
    seq,
    at: new Date(at).toISOString(),
    actor: { kind: seq % 10 === 0 ? 'system' : 'user', id: `user-${seq % 17}` },
    action,
    target: action.startsWith('team.') ? { teamId: randomUUID() } : { runId: randomUUID() },
    detail: { reason: `bench entry ${seq}`, mode: 'finish-turn', n: seq },
  };
}

export async function loadAuditChain(db: Db, count: number): Promise<{ hash: string; at: string }> {
  let prev = AUDIT_GENESIS_HASH;
  let at = Date.parse('2026-01-01T00:00:00.000Z');
  let lastAt = '';
  for (let start = 1; start <= count; start += BATCH) {
    const cols = {
      seq: [] as number[],
      at: [] as string[],
      actorKind: [] as string[],
      actorId: [] as string[],
      action: [] as string[],
      target: [] as string[],
      detail: [] as string[],
      prev: [] as string[],
      hash: [] as string[],
    };
    for (let seq = start; seq < Math.min(start + BATCH, count + 1); seq++) {
      at += 7;
      const entry = fields(seq, at);
      const hash = auditHash(prev, entry);
      cols.seq.push(seq);
      cols.at.push(entry.at);
      cols.actorKind.push(entry.actor.kind);
      cols.actorId.push(entry.actor.id);
      cols.action.push(entry.action);
      cols.target.push(JSON.stringify(entry.target));
      cols.detail.push(JSON.stringify(entry.detail));
      cols.prev.push(prev);
      cols.hash.push(hash);
      prev = hash;
      lastAt = entry.at;
    }
    await db.pool.query(
      `INSERT INTO audit_entries (seq, at, actor_kind, actor_id, action, target, detail, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[],
                            $6::jsonb[], $7::jsonb[], $8::text[], $9::text[])`,
      [
        cols.seq,
        cols.at,
        cols.actorKind,
        cols.actorId,
        cols.action,
        cols.target,
        cols.detail,
        cols.prev,
        cols.hash,
      ],
    );
  }
  await db.pool.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [count, prev]);
  return { hash: prev, at: lastAt };
}

export async function auditBench({ quick }: BenchOptions): Promise<BenchResult> {
  const count = quick ? 100_000 : 1_000_000;
  const database = await createMigratedTestDatabase('bench_audit');
  const db = createDb({ databaseUrl: database.url, maxConnections: 4 });
  try {
    const loadStarted = performance.now();
    const head = await loadAuditChain(db, count);
    await db.pool.query('VACUUM ANALYZE audit_entries');
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    console.log(`loaded ${count.toLocaleString('en')} entries in ${loadSeconds.toFixed(1)} s`);

    const checkpoints = [{ seq: count, hash: head.hash, at: head.at, writtenAt: head.at }];
    const intact = await verifyAuditChain(db.pool, { checkpoints });
    if (!intact.ok) throw new Error(`the loaded chain does not verify: ${intact.firstBad.message}`);
    const verifySeconds = intact.durationMs / 1000;
    console.log(
      `verified ${intact.entries.toLocaleString('en')} entries in ${verifySeconds.toFixed(2)} s ` +
        `(${Math.round(intact.entries / verifySeconds).toLocaleString('en')} entries/s; target < 60 s)`,
    );

    // Tamper with one entry near the end, as a superuser with triggers off.
    const victim = count - 1;
    const client = await db.pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(`UPDATE audit_entries SET actor_id = 'mallory' WHERE seq = $1`, [victim]);
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
    const broken = await verifyAuditChain(db.pool, { checkpoints });
    if (broken.ok || broken.firstBad.seq !== victim) {
      throw new Error(`the edited entry ${victim} was not named: ${JSON.stringify(broken)}`);
    }
    console.log(
      `edited entry ${victim}: found (${broken.firstBad.reason}) in ${(broken.durationMs / 1000).toFixed(2)} s`,
    );
    return {
      entries: count,
      load_s: Number(loadSeconds.toFixed(2)),
      verify_s: Number(verifySeconds.toFixed(2)),
      verify_entries_per_s: Math.round(intact.entries / verifySeconds),
      tampered_seq_found: broken.firstBad.seq,
      tampered_reason: broken.firstBad.reason,
    };
  } finally {
    await db.close();
    await database.drop();
  }
}
