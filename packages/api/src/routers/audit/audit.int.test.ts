import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { createEngine, type Engine } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCaller, LOCAL_OPERATOR } from '../../index';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let dir: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_audit');
  prefix = uniqueRedisPrefix('api_audit');
  dir = await mkdtemp(path.join(tmpdir(), 'fd-api-audit-'));
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: path.join(dir, 'workspaces'),
    auditCheckpointFile: path.join(dir, 'checkpoints.jsonl'),
  });
});
afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
  await rm(dir, { recursive: true, force: true });
});

const admin = () => createCaller({ engine, viewer: LOCAL_OPERATOR });
const team = (n: number) =>
  `name: team-${n}\nlead: lead\nagents:\n  lead: { role: Lead, model: simulated/gpt-4o-mini }\n`;

describe('audit procedures', () => {
  it('list the trail newest first, by page and by action, with the acting viewer recorded', async () => {
    for (let n = 1; n <= 3; n++) await admin().teams.save({ source: team(n) });
    const first = await admin().audit.list({ limit: 2 });
    expect(first.entries.map((e) => [e.seq, e.action, e.actor])).toEqual([
      [3, 'team.saved', LOCAL_OPERATOR.actor],
      [2, 'team.saved', LOCAL_OPERATOR.actor],
    ]);
    expect(first.nextBeforeSeq).toBe(2);
    const rest = await admin().audit.list({ limit: 2, beforeSeq: 2 });
    expect(rest).toMatchObject({ entries: [{ seq: 1 }], nextBeforeSeq: null });
    expect((await admin().audit.list({ action: 'run.killed' })).entries).toEqual([]);
    expect((await admin().audit.list({ actorId: 'operator' })).entries).toHaveLength(3);
  });

  it('verify reports the chain and, when it is broken, the first bad entry', async () => {
    expect(await admin().audit.verify()).toMatchObject({ ok: true, entries: 3, headSeq: 3 });
    const client = await engine.db.pool.connect();
    try {
      await client.query('SET session_replication_role = replica');
      await client.query(`UPDATE audit_entries SET actor_id = 'mallory' WHERE seq = 2`);
    } finally {
      await client.query('RESET session_replication_role');
      client.release();
    }
    expect(await admin().audit.verify()).toMatchObject({
      ok: false,
      entries: 1,
      firstBad: { seq: 2, reason: 'hash-mismatch' },
    });
  });

  it('are for admins only', async () => {
    for (const roles of [['viewer'], ['operator'], ['approver']] as const) {
      const caller = createCaller({
        engine,
        viewer: { actor: { kind: 'user', id: 'bob' }, roles, teams: 'all' },
      });
      await expect(caller.audit.list({})).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(caller.audit.verify()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    await expect(createCaller({ engine, viewer: null }).audit.list({})).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('refuses an unknown action filter', async () => {
    await expect(
      admin().audit.list({ action: 'run.exploded' as 'run.killed' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });
});
