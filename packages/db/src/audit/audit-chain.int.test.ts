import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AUDIT_GENESIS_HASH, type AuditEntryInput, canonicalAuditEntry } from '@flightdeck/domain';
import type { TestDatabase } from '@flightdeck/testing';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { appendEvents } from '../events/event-store';
import { getTeam, saveTeamManifest } from '../teams/team-repository';
import { createRun, Drafts, manifestFrom } from '../test/fixtures';
import { createMigratedTestDatabase } from '../testing';
import { inTransaction } from '../transaction';
import { auditHash } from './audit-hash';
import { appendAuditEntry, getAuditHead, listAuditEntries, recordAuditEntry } from './audit-store';
import { type AuditCheckpoint, createAuditCheckpointer, readAuditCheckpoints } from './checkpoint';
import { verifyAuditChain } from './verify';

let database: TestDatabase;
let db: Db;
let dir: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('audit_chain');
  db = createDb({ databaseUrl: database.url, maxConnections: 20 });
  dir = await mkdtemp(path.join(tmpdir(), 'fd-audit-'));
});
afterAll(async () => {
  await db.close();
  await database.drop();
  await rm(dir, { recursive: true, force: true });
});

const ada = { kind: 'user', id: 'ada' } as const;
const entry = (i: number): AuditEntryInput => ({
  actor: ada,
  action: 'run.killed',
  target: { runId: randomUUID() },
  detail: { reason: `reason ${i}`, n: i, nested: { b: [1, 'two', null], a: true } },
});

/**
 * What someone with the database's owner or superuser rights can do: with
 * triggers off (session_replication_role = replica) the trail's guards do not
 * fire. Every tamper test works this way; verification must notice.
 */
async function tamper(sql: string, params: unknown[] = []): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql, params);
  } finally {
    await client.query('RESET session_replication_role');
    client.release();
  }
}

/** Starts every test from an empty chain of `n` fresh entries. */
async function freshChain(n: number): Promise<void> {
  await tamper('DELETE FROM audit_entries');
  await tamper('DELETE FROM audit_head');
  await tamper('INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, $1)', [AUDIT_GENESIS_HASH]);
  for (let i = 1; i <= n; i++) await recordAuditEntry(db, entry(i));
}

const rowOf = async (seq: number) =>
  (
    await db.pool.query<{ hash: string; prev_hash: string }>(
      'SELECT hash, prev_hash FROM audit_entries WHERE seq = $1',
      [seq],
    )
  ).rows[0];

describe('appendAuditEntry', () => {
  beforeEach(() => freshChain(0));

  it('chains entries from the genesis hash, seq 1, 2, 3 …', async () => {
    const first = await recordAuditEntry(db, entry(1));
    const second = await recordAuditEntry(db, entry(2));
    expect(first).toMatchObject({ seq: 1, prevHash: AUDIT_GENESIS_HASH, action: 'run.killed' });
    expect(first.hash).toBe(auditHash(AUDIT_GENESIS_HASH, first));
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash });
    expect(await getAuditHead(db)).toEqual({ seq: 2, hash: second.hash });
    // What is read back hashes to what was stored.
    const { entries } = await listAuditEntries(db);
    expect(entries).toEqual([second, first]);
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 2 });
  });

  it('keeps seq gapless and the chain linear under 50 concurrent transactions', async () => {
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        inTransaction(db.pool, async (client) => {
          await client.query('SELECT pg_sleep(0.005)');
          await appendAuditEntry(client, entry(i));
        }),
      ),
    );
    const result = await verifyAuditChain(db.pool, { batchSize: 7 });
    expect(result).toMatchObject({ ok: true, entries: 50, head: { seq: 50 } });
  });

  it('leaves no entry and no gap when the transaction rolls back', async () => {
    await recordAuditEntry(db, entry(1));
    await expect(
      inTransaction(db.pool, async (client) => {
        await appendAuditEntry(client, entry(2));
        throw new Error('the act failed after its entry');
      }),
    ).rejects.toThrow('the act failed');
    const third = await recordAuditEntry(db, entry(3));
    expect(third.seq).toBe(2);
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 2 });
  });

  it('refuses an invalid entry before writing anything', async () => {
    await expect(
      recordAuditEntry(db, { actor: ada, action: 'run.exploded' as 'run.killed' }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await getAuditHead(db)).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
  });
});

describe('the database keeps the trail append-only', () => {
  beforeAll(() => freshChain(3));

  it.each([
    ['UPDATE', "UPDATE audit_entries SET detail = '{}' WHERE seq = 2"],
    ['DELETE', 'DELETE FROM audit_entries WHERE seq = 3'],
    ['TRUNCATE', 'TRUNCATE audit_entries'],
    ['DELETE of the head', 'DELETE FROM audit_head'],
  ])('refuses %s, even from the table owner', async (_, sql) => {
    await expect(db.pool.query(sql)).rejects.toMatchObject({
      code: '42501',
      message: expect.stringContaining('append-only'),
    });
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 3 });
  });

  it('gives the application role flightdeck_app appends but no UPDATE, DELETE or TRUNCATE', async () => {
    const asApp = <T>(work: (client: pg.PoolClient) => Promise<T>) =>
      inTransaction(db.pool, async (client) => {
        await client.query('SET LOCAL ROLE flightdeck_app');
        return work(client);
      });
    const appended = await asApp((client) => appendAuditEntry(client, entry(4)));
    expect(appended.seq).toBe(4);
    for (const sql of [
      "UPDATE audit_entries SET detail = '{}' WHERE seq = 1",
      'DELETE FROM audit_entries WHERE seq = 1',
      'TRUNCATE audit_entries',
      'ALTER TABLE audit_entries DISABLE TRIGGER USER',
    ]) {
      await expect(asApp((client) => client.query(sql))).rejects.toMatchObject({
        message: expect.stringMatching(/permission denied|must be owner/),
      });
    }
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 4 });
  });
});

describe('verifyAuditChain names the first bad entry', () => {
  beforeEach(() => freshChain(10));

  it('of an intact chain: none', async () => {
    const progress: number[] = [];
    const result = await verifyAuditChain(db.pool, {
      batchSize: 3,
      onProgress: (p) => progress.push(p.entries),
    });
    expect(result).toMatchObject({ ok: true, entries: 10, head: await getAuditHead(db) });
    expect(progress).toEqual([3, 6, 9, 10]);
  });

  it('edited: its content no longer hashes to its hash', async () => {
    await tamper(
      `UPDATE audit_entries SET detail = jsonb_set(detail, '{reason}', '"nothing to see"') WHERE seq = 5`,
    );
    expect(await verifyAuditChain(db.pool, { batchSize: 4 })).toMatchObject({
      ok: false,
      entries: 4,
      firstBad: { seq: 5, reason: 'hash-mismatch' },
    });
  });

  it('edited with its hash recomputed: the next entry no longer follows it', async () => {
    // The forger recomputes entry 5's hash for new content; entry 6 still names the old one.
    const original = (await listAuditEntries(db, { beforeSeq: 6, limit: 1 })).entries[0];
    if (!original) throw new Error('fixture');
    const changed = { ...original, actor: { kind: 'user', id: 'mallory' } };
    await tamper('UPDATE audit_entries SET actor_id = $1, hash = $2 WHERE seq = 5', [
      'mallory',
      auditHash(original.prevHash, changed),
    ]);
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      firstBad: { seq: 6, reason: 'prev-mismatch' },
    });
  });

  it('deleted: a gap at its seq', async () => {
    await tamper('DELETE FROM audit_entries WHERE seq = 5');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      entries: 4,
      firstBad: { seq: 5, reason: 'gap' },
    });
  });

  it('deleted, the first one: a gap at 1', async () => {
    await tamper('DELETE FROM audit_entries WHERE seq = 1');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      entries: 0,
      firstBad: { seq: 1, reason: 'gap' },
    });
  });

  it('deleted and the rest renumbered: the entry after the hole does not follow', async () => {
    await tamper('DELETE FROM audit_entries WHERE seq = 5');
    await tamper('UPDATE audit_entries SET seq = seq - 1 WHERE seq > 5');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      firstBad: { seq: 5, reason: 'prev-mismatch' },
    });
  });

  it('inserted (a well-formed forged entry, the rest renumbered): the entry after it does not follow', async () => {
    await tamper('UPDATE audit_entries SET seq = -seq WHERE seq >= 5');
    await tamper('UPDATE audit_entries SET seq = -seq + 1 WHERE seq < 0');
    const before = await rowOf(4);
    if (!before) throw new Error('fixture');
    const forged = {
      seq: 5,
      at: '2026-11-22T10:00:00.000Z',
      actor: { kind: 'user', id: 'mallory' },
      action: 'run.spawned',
      target: {},
      detail: {},
    };
    await tamper(
      `INSERT INTO audit_entries (seq, at, actor_kind, actor_id, action, target, detail, prev_hash, hash)
       VALUES (5, $1, 'user', 'mallory', 'run.spawned', '{}', '{}', $2, $3)`,
      [forged.at, before.hash, auditHash(before.hash, forged)],
    );
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      entries: 5,
      firstBad: { seq: 6, reason: 'prev-mismatch' },
    });
  });

  it('inserted at the end with a made-up hash: it does not hash', async () => {
    const head = await getAuditHead(db);
    await tamper(
      `INSERT INTO audit_entries (seq, at, actor_kind, actor_id, action, target, detail, prev_hash, hash)
       VALUES (11, now(), 'user', 'mallory', 'run.spawned', '{}', '{}', $1, $2)`,
      [head.hash, 'f'.repeat(64)],
    );
    await tamper('UPDATE audit_head SET seq = 11');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      firstBad: { seq: 11, reason: 'hash-mismatch' },
    });
  });

  it('reordered (two entries swapped): the first of them does not follow', async () => {
    await tamper('UPDATE audit_entries SET seq = -seq WHERE seq IN (5, 6)');
    await tamper('UPDATE audit_entries SET seq = CASE seq WHEN -5 THEN 6 ELSE 5 END WHERE seq < 0');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      firstBad: { seq: 5, reason: 'prev-mismatch' },
    });
  });

  it('tail truncated: the head row still names the lost entries', async () => {
    await tamper('DELETE FROM audit_entries WHERE seq > 7');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      entries: 7,
      firstBad: { seq: 8, reason: 'truncated' },
    });
  });

  it('tail truncated and the head row rewound: the checkpoint names the lost entries', async () => {
    const checkpoints = [await checkpointNow()];
    const seven = await rowOf(7);
    await tamper('DELETE FROM audit_entries WHERE seq > 7');
    await tamper('UPDATE audit_head SET seq = 7, hash = $1', [seven?.hash]);
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 7 });
    expect(await verifyAuditChain(db.pool, { checkpoints })).toMatchObject({
      ok: false,
      entries: 7,
      firstBad: { seq: 8, reason: 'truncated' },
    });
  });

  it('rewritten consistently from an entry on: the checkpoint disagrees', async () => {
    const checkpoints = [await checkpointNow()];
    // Mallory rewrites entries 5…10 with valid hashes (she can: sha256 has no key).
    const { entries } = await listAuditEntries(db);
    const ordered = [...entries].reverse();
    let prev = ordered[3]?.hash ?? '';
    for (const original of ordered.slice(4)) {
      const forged = { ...original, actor: { kind: 'user', id: 'mallory' } };
      const hash = auditHash(prev, forged);
      await tamper(
        "UPDATE audit_entries SET actor_id = 'mallory', prev_hash = $2, hash = $3 WHERE seq = $1",
        [original.seq, prev, hash],
      );
      prev = hash;
    }
    await tamper('UPDATE audit_head SET hash = $1', [prev]);
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 10 });
    expect(await verifyAuditChain(db.pool, { checkpoints })).toMatchObject({
      ok: false,
      entries: 9,
      firstBad: { seq: 10, reason: 'checkpoint-mismatch' },
    });
  });

  it('head row removed: reported, after every entry is checked', async () => {
    await tamper('DELETE FROM audit_head');
    expect(await verifyAuditChain(db.pool)).toMatchObject({
      ok: false,
      entries: 9,
      firstBad: { seq: 10, reason: 'head-mismatch' },
    });
  });
});

async function checkpointNow(): Promise<AuditCheckpoint> {
  const file = path.join(dir, `${randomUUID()}.jsonl`);
  const written = await createAuditCheckpointer(db, file).checkpoint();
  if (!written) throw new Error('no checkpoint written');
  return written;
}

describe('checkpoints outside PostgreSQL', () => {
  beforeEach(() => freshChain(2));

  it('are appended as JSON lines only when the head moved', async () => {
    const file = path.join(dir, 'nested', 'checkpoints.jsonl');
    const checkpointer = createAuditCheckpointer(db, file);
    const first = await checkpointer.checkpoint();
    expect(first).toMatchObject({ seq: 2, hash: (await getAuditHead(db)).hash });
    expect(await checkpointer.checkpoint()).toBeNull();
    await recordAuditEntry(db, entry(3));
    expect(await checkpointer.checkpoint()).toMatchObject({ seq: 3 });
    // A new process continues from the file, not from scratch.
    expect(await createAuditCheckpointer(db, file).checkpoint()).toBeNull();
    const lines = (await readFile(file, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(2);
    expect((await readAuditCheckpoints(file)).map((c) => c.seq)).toEqual([2, 3]);
    expect(
      await verifyAuditChain(db.pool, { checkpoints: await readAuditCheckpoints(file) }),
    ).toMatchObject({ ok: true, entries: 3, checkpointsChecked: 2 });
  });

  it('are read leniently only at a torn last line', async () => {
    const file = path.join(dir, 'torn.jsonl');
    const good = JSON.stringify({
      seq: 1,
      hash: 'a'.repeat(64),
      at: '2026-11-22T10:00:00.000Z',
      writtenAt: '2026-11-22T10:00:01.000Z',
    });
    await writeFile(file, `${good}\n{"seq":2,"ha`);
    expect(await readAuditCheckpoints(file)).toHaveLength(1);
    await writeFile(file, `{"seq":2}\n${good}\n`);
    await expect(readAuditCheckpoints(file)).rejects.toThrow('line 1 is not an audit checkpoint');
    expect(await readAuditCheckpoints(path.join(dir, 'missing.jsonl'))).toEqual([]);
  });
});

describe('acts and their entries commit together', () => {
  beforeEach(() => freshChain(0));

  const countEvents = async (runId: string) =>
    (
      await db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE run_id = $1',
        [runId],
      )
    ).rows[0]?.n;

  it('appendEvents writes the audit entry with the events', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    await appendEvents(db, run.id, [d.runStarted(run)], {
      audit: { actor: ada, action: 'run.spawned', target: { runId: run.id } },
    });
    const { entries } = await listAuditEntries(db);
    expect(entries).toMatchObject([{ seq: 1, action: 'run.spawned', target: { runId: run.id } }]);
  });

  it('appendEvents writes no event when the audit entry cannot be written', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    await appendEvents(db, run.id, [d.runStarted(run)]);
    // PostgreSQL refuses \u0000 in jsonb: the entry's INSERT fails after the events' INSERT.
    await expect(
      appendEvents(db, run.id, [d.runKilled()], {
        audit: { actor: ada, action: 'run.killed', detail: { reason: 'bad\u0000byte' } },
      }),
    ).rejects.toThrow();
    expect(await countEvents(run.id)).toBe(1);
    expect(
      (await db.pool.query('SELECT status FROM runs WHERE id = $1', [run.id])).rows[0],
    ).toEqual({ status: 'running' });
    expect(await getAuditHead(db)).toEqual({ seq: 0, hash: AUDIT_GENESIS_HASH });
  });

  it('a new team version is saved with its entry, or not at all', async () => {
    const source = `name: audited\nlead: lead\nagents:\n  lead: { role: Lead, model: simulated/gpt-4o-mini }\n`;
    const saved = await saveTeamManifest(db, { manifest: manifestFrom(source), source, by: ada });
    expect((await listAuditEntries(db)).entries).toMatchObject([
      {
        action: 'team.saved',
        actor: ada,
        target: { teamId: saved.teamId },
        detail: { version: 1 },
      },
    ]);

    // The entry cannot be written: the head row is gone.
    await tamper('DELETE FROM audit_head');
    const changed = `${source}description: changed\n`;
    await expect(
      saveTeamManifest(db, { manifest: manifestFrom(changed), source: changed, by: ada }),
    ).rejects.toThrow('no head row');
    expect((await getTeam(db, { slug: 'audited' }))?.currentVersion).toBe(1);
  });
});

describe('auditHash', () => {
  it('is sha256 over the previous hash then the canonical entry', () => {
    const fields = {
      seq: 1,
      at: '2026-11-22T10:00:00.000Z',
      actor: { kind: 'user', id: 'ada' },
      action: 'run.killed',
      target: { runId: 'r' },
      detail: { reason: 'ü' },
    };
    const expected = createHash('sha256')
      .update(AUDIT_GENESIS_HASH)
      .update(canonicalAuditEntry(fields))
      .digest('hex');
    expect(auditHash(AUDIT_GENESIS_HASH, fields)).toBe(expected);
  });
});

describe('verifyAuditChain while acts keep coming', () => {
  beforeEach(() => freshChain(200));

  it('checks the chain up to the head it started from, unbothered by new appends', async () => {
    const appending = Promise.all(
      Array.from({ length: 30 }, (_, i) => recordAuditEntry(db, entry(1000 + i))),
    );
    const result = await verifyAuditChain(db.pool, { batchSize: 16 });
    await appending;
    expect(result.ok).toBe(true);
    expect(result.entries).toBeGreaterThanOrEqual(200);
    expect(await verifyAuditChain(db.pool)).toMatchObject({ ok: true, entries: 230 });
  });
});
