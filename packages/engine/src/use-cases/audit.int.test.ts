import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getRunRecord, readAllEvents } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { AUDIT_GENESIS_HASH } from '@flightdeck/domain';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import { listAudit, startAuditCheckpoints, verifyAudit } from './audit';
import { pauseAgent, resumeAgent, steerAgent } from './control/agent-control';
import { pauseRun, resumeRun } from './control/pause-run';
import { killRun } from './kill-run';
import { saveTeam, SYSTEM_ACTOR } from './save-team';
import { spawnRun } from './spawn-run';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let dir: string;

const ada = { kind: 'user', id: 'ada' } as const;
const TEAM = `name: audited
lead: lead
agents:
  lead: { role: Lead, model: simulated/gpt-4o-mini }
`;

beforeAll(async () => {
  database = await createMigratedTestDatabase('engine_audit');
  prefix = uniqueRedisPrefix('engine_audit');
  dir = await mkdtemp(path.join(tmpdir(), 'fd-engine-audit-'));
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: path.join(dir, 'workspaces'),
    auditCheckpointFile: path.join(dir, 'audit', 'checkpoints.jsonl'),
  });
});
afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
  await rm(dir, { recursive: true, force: true });
});

/** What only the owner can do: remove the chain's head, so no audit entry can be written. */
async function breakAuditHead(): Promise<() => Promise<void>> {
  const client = await engine.db.pool.connect();
  try {
    await client.query('SET session_replication_role = replica');
    const head = await client.query<{ seq: string; hash: string }>('SELECT * FROM audit_head');
    await client.query('DELETE FROM audit_head');
    const row = head.rows[0] ?? { seq: '0', hash: AUDIT_GENESIS_HASH };
    return async () => {
      await engine.db.pool.query('INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)', [
        row.seq,
        row.hash,
      ]);
    };
  } finally {
    await client.query('RESET session_replication_role');
    client.release();
  }
}

describe('governance acts are audited in their own transaction', () => {
  it('records team saves, spawn, pause, resume, steer and kill, in order, as a valid chain', async () => {
    const team = await saveTeam(engine, { source: TEAM, by: ada });
    const { runId } = await spawnRun(engine, { teamSlug: 'audited', goal: 'Audit me', by: ada });
    const [, spawned] = await readAllEvents(engine.db, runId);
    const leadId = spawned?.agentId ?? '';
    await pauseRun(engine, { runId, by: ada, reason: 'lunch', mode: 'finish-turn' });
    await resumeRun(engine, { runId, by: ada });
    await pauseAgent(engine, {
      runId,
      agentId: leadId,
      by: ada,
      reason: 'look',
      mode: 'abort-turn',
    });
    await resumeAgent(engine, { runId, agentId: leadId, by: ada });
    await steerAgent(engine, { runId, agentId: leadId, by: ada, message: 'be brief' });
    await killRun(engine, { runId, by: ada, reason: 'done here' });

    const { entries } = await listAudit(engine, {});
    expect(
      entries.reverse().map((e) => [e.seq, e.action, e.actor.id, e.target.runId ?? null]),
    ).toEqual([
      [1, 'team.saved', 'ada', null],
      [2, 'run.spawned', 'ada', runId],
      [3, 'run.paused', 'ada', runId],
      [4, 'run.resumed', 'ada', runId],
      [5, 'agent.paused', 'ada', runId],
      [6, 'agent.resumed', 'ada', runId],
      [7, 'agent.steered', 'ada', runId],
      [8, 'run.killed', 'ada', runId],
    ]);
    expect(entries[0]?.target).toEqual({ teamId: team.teamId });
    expect(entries[6]).toMatchObject({
      target: { agentId: leadId },
      detail: { message: 'be brief' },
    });
    expect(await verifyAudit(engine)).toMatchObject({ ok: true, entries: 8 });
  });

  it('a team saved by no one in particular is saved by the system', async () => {
    await saveTeam(engine, { source: `${TEAM}description: v2\n` });
    const [last] = (await listAudit(engine, { limit: 1 })).entries;
    expect(last).toMatchObject({ action: 'team.saved', actor: SYSTEM_ACTOR });
  });

  it('does not kill a run when its audit entry cannot be written', async () => {
    const { runId } = await spawnRun(engine, { teamSlug: 'audited', goal: 'Survive', by: ada });
    const restore = await breakAuditHead();
    try {
      await expect(killRun(engine, { runId, by: ada, reason: 'try' })).rejects.toThrow(
        'no head row',
      );
      await expect(
        pauseRun(engine, { runId, by: ada, reason: 'try', mode: 'finish-turn' }),
      ).rejects.toThrow('no head row');
    } finally {
      await restore();
    }
    expect((await getRunRecord(engine.db, runId))?.status).toBe('running');
    expect((await readAllEvents(engine.db, runId)).map((e) => e.type)).toEqual([
      'run.started',
      'agent.spawned',
      'breaker.thresholds.changed',
    ]);
    expect(await verifyAudit(engine)).toMatchObject({ ok: true });
  });

  it('checkpoints the head to the file that verification then checks', async () => {
    const errors: unknown[] = [];
    const timer = startAuditCheckpoints(engine, { intervalMs: 20, onError: (e) => errors.push(e) });
    try {
      await expect
        .poll(async () => (await verifyAudit(engine)).checkpointsChecked, { timeout: 5_000 })
        .toBeGreaterThan(0);
    } finally {
      await timer.stop();
    }
    expect(errors).toEqual([]);
    expect(await verifyAudit(engine)).toMatchObject({
      ok: true,
      checkpointFile: path.join(dir, 'audit', 'checkpoints.jsonl'),
    });
  });
});
