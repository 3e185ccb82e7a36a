import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { EMPTY_WORKSPACE_TREE, type Principal } from '@flightdeck/domain';
import { createEngine, type Engine, ensureDemoTeams, getTeam } from '@flightdeck/engine';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFor, createCaller } from '../../index';

/** The replay procedures through the router: what each role may do, and what the use cases refuse. */

let database: TestDatabase;
let engine: Engine;
let prefix: string;
const as = (roles: Principal['roles']) =>
  createCaller(
    contextFor(engine, { actor: { kind: 'user', id: roles.join('+') }, roles, teams: 'all' }),
  );

beforeAll(async () => {
  database = await createMigratedTestDatabase('api_replay');
  prefix = uniqueRedisPrefix('api-replay');
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: await mkdtemp(path.join(tmpdir(), 'fd-api-replay-')),
  });
  await ensureDemoTeams(engine);
});
afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
});

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

describe('replay procedures', () => {
  it('fork: an operator forks with edits; editing the manifest needs governance', async () => {
    const operator = as(['operator']);
    // No worker runs here: the run stays at its first step (the lead spawned).
    const { runId } = await operator.runs.spawn({ teamSlug: 'demo-research', goal: 'Fork me' });
    const source = (await getTeam(engine, { slug: 'demo-research' }))!.source;

    expect(
      await codeOf(operator.runs.fork({ runId, atSeq: 2, manifestSource: `${source}\n# edited` })),
    ).toBe('FORBIDDEN');
    const fork = await operator.runs.fork({ runId, atSeq: 2, edits: { message: 'Be brief.' } });
    expect(fork.seq).toBe(3);
    expect(await operator.runs.get({ runId: fork.runId })).toMatchObject({
      origin: 'fork',
      originRunId: runId,
      originSeq: 2,
    });
    expect((await operator.runs.forks({ runId })).map((r) => r.id)).toEqual([fork.runId]);

    const admin = as(['admin']);
    const edited = await admin.runs.fork({
      runId,
      atSeq: 2,
      manifestSource: `${source}\n# edited`,
    });
    const run = await admin.runs.get({ runId: edited.runId });
    expect((await getTeam(engine, { slug: 'demo-research' }))!.currentVersion).toBeGreaterThan(1);
    expect(run.teamName).toBe('demo-research');
    expect(await codeOf(operator.runs.fork({ runId, atSeq: 99 }))).toBe('BAD_REQUEST');
    expect(await codeOf(as(['viewer']).runs.fork({ runId, atSeq: 2 }))).toBe('FORBIDDEN');
  });

  it('rollback and re-run wait for the run to pause or end; history reads and exports are open to viewers', async () => {
    const operator = as(['operator']);
    const { runId } = await operator.runs.spawn({ teamSlug: 'demo-research', goal: 'Not yet' });
    expect(
      await codeOf(operator.runs.rollbackWorkspace({ runId, toSeq: 1, reason: 'too early' })),
    ).toBe('CONFLICT');
    expect(await codeOf(operator.runs.rerun({ runId }))).toBe('CONFLICT');
    expect(await codeOf(operator.runs.rollbackWorkspace({ runId, toSeq: 1, reason: '' }))).toBe(
      'BAD_REQUEST',
    );

    const viewer = as(['viewer']);
    expect(await viewer.runs.workspaceFilesAt({ runId, commit: EMPTY_WORKSPACE_TREE })).toEqual([]);
    expect(
      await codeOf(viewer.runs.workspaceFileAt({ runId, commit: 'HEAD', path: 'report.md' })),
    ).toBe('BAD_REQUEST');
    const { jsonl, filename } = await viewer.runs.export({ runId });
    expect(filename).toBe(`run-${runId}.jsonl`);
    // Every event of the run so far (what spawning records: the start, the lead, the thresholds).
    const { lastSeq } = await viewer.runs.get({ runId });
    expect(lastSeq).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(jsonl.split('\n')[0]!)).toMatchObject({
      kind: 'flightdeck.run-export',
      events: lastSeq,
    });
    expect(await viewer.runs.rerunReport({ runId })).toBeNull();
    // An export of a run still going is refused on import.
    expect(await codeOf(operator.runs.import({ jsonl }))).toBe('BAD_REQUEST');
  });
});
