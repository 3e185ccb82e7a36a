import { randomUUID } from 'node:crypto';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { appendEvents } from '../events/event-store';
import { createRun, Drafts, manifestFrom, RESEARCH_SOURCE } from '../test/fixtures';
import { saveTeamManifest } from '../teams/team-repository';
import { createMigratedTestDatabase } from '../testing';
import {
  getRerunReport,
  getRunRecord,
  getRunSummary,
  insertRun,
  listActiveRunIds,
  listRunsFrom,
  listRunSummaries,
  setRerunReport,
} from './run-repository';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedTestDatabase('run_repository');
  db = createDb({ databaseUrl: database.url });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

describe('runs', () => {
  it('inserts a pending run and reads it back as a record and a summary', async () => {
    const team = await saveTeamManifest(db, {
      manifest: manifestFrom(RESEARCH_SOURCE),
      source: RESEARCH_SOURCE,
    });
    const id = randomUUID();
    const record = await insertRun(db, {
      id,
      teamId: team.teamId,
      manifestVersion: team.version,
      goal: 'Ship it',
      seed: -7,
    });
    expect(record).toEqual({
      id,
      teamId: team.teamId,
      manifestVersion: team.version,
      goal: 'Ship it',
      seed: -7,
      status: 'pending',
      lastSeq: 0,
      origin: 'spawn',
      originRunId: null,
      originSeq: null,
    });
    expect(await getRunRecord(db, id)).toEqual(record);
    expect(await getRunSummary(db, id)).toEqual({
      id,
      teamId: team.teamId,
      teamName: 'research',
      goal: 'Ship it',
      status: 'pending',
      lastSeq: 0,
      agentCount: 0,
      turns: 0,
      inputTokens: 0,
      outputTokens: 0,
      costMicroUsd: 0,
      openBreakers: [],
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/) as string,
      endedAt: null,
      origin: 'spawn',
      originRunId: null,
      originSeq: null,
    });
  });

  it('records where a fork came from, and lists the runs that came from a run', async () => {
    const run = await createRun(db);
    const fork = await insertRun(db, {
      ...run,
      id: randomUUID(),
      origin: 'fork',
      originRunId: run.id,
      originSeq: 7,
    });
    expect(fork).toMatchObject({ origin: 'fork', originRunId: run.id, originSeq: 7 });
    expect((await listRunsFrom(db, run.id)).map((r) => [r.id, r.originSeq])).toEqual([
      [fork.id, 7],
    ]);
    expect(await listRunsFrom(db, fork.id)).toEqual([]);
    await setRerunReport(db, fork.id, { identical: true, compared: 12 });
    expect(await getRerunReport(db, fork.id)).toEqual({ identical: true, compared: 12 });
  });

  it('refuses a run of a missing manifest version (NOT_FOUND) or a taken id (CONFLICT)', async () => {
    const run = await createRun(db);
    await expect(
      insertRun(db, { ...run, id: randomUUID(), manifestVersion: 99 }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(insertRun(db, { ...run, id: run.id })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(insertRun(db, { ...run, id: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('returns null for unknown or malformed ids', async () => {
    expect(await getRunRecord(db, randomUUID())).toBeNull();
    expect(await getRunSummary(db, 'not-a-uuid')).toBeNull();
  });
});

describe('listRunSummaries and listActiveRunIds', () => {
  let otherTeamId: string;
  const ids: string[] = [];

  beforeAll(async () => {
    const source = RESEARCH_SOURCE.replace('name: research', 'name: listing');
    const team = await saveTeamManifest(db, { manifest: manifestFrom(source), source });
    otherTeamId = team.teamId;
    // Six runs, created 1 ms apart except two that share a millisecond.
    const base = Date.parse('2030-01-01T00:00:00.000Z');
    const offsets = [0, 1, 2, 2, 3, 4];
    for (const offset of offsets) {
      const run = await insertRun(db, {
        id: randomUUID(),
        teamId: team.teamId,
        manifestVersion: team.version,
        goal: `g${offset}`,
        seed: 1,
      });
      await db.pool.query('UPDATE runs SET created_at = $2 WHERE id = $1', [
        run.id,
        new Date(base + offset),
      ]);
      ids.push(run.id);
    }
    const d = new Drafts();
    const [first, second] = await Promise.all(ids.slice(0, 2).map((id) => getRunRecord(db, id)));
    if (!first || !second) throw new Error('fixture runs are missing');
    await appendEvents(db, first.id, [d.runStarted(first)]);
    await appendEvents(db, second.id, [d.runStarted(second), d.runCompleted()]);
  });

  it('lists newest first, filters by team and status, and pages exactly with a cursor', async () => {
    const all = await listRunSummaries(db, { teamId: otherTeamId, limit: 100 });
    expect(all).toHaveLength(6);
    expect(all.map((s) => s.createdAt)).toEqual([...all.map((s) => s.createdAt)].sort().reverse());

    const pages: string[] = [];
    let page = await listRunSummaries(db, { teamId: otherTeamId, limit: 2 });
    while (page.length > 0) {
      pages.push(...page.map((s) => s.id));
      const last = page.at(-1);
      page = last
        ? await listRunSummaries(db, {
            teamId: otherTeamId,
            limit: 2,
            before: { createdAt: last.createdAt, id: last.id },
          })
        : [];
    }
    expect(pages).toEqual(all.map((s) => s.id));

    const olderThan = await listRunSummaries(db, {
      teamId: otherTeamId,
      limit: 100,
      before: '2030-01-01T00:00:00.002Z',
    });
    expect(olderThan.map((s) => s.goal)).toEqual(['g1', 'g0']);

    const recent = await listRunSummaries(db, {
      teamId: otherTeamId,
      limit: 100,
      since: '2030-01-01T00:00:00.003Z',
    });
    expect(recent.map((s) => s.goal)).toEqual(['g4', 'g3']);

    const completed = await listRunSummaries(db, {
      teamId: otherTeamId,
      status: 'completed',
      limit: 10,
    });
    expect(completed.map((s) => s.id)).toEqual([ids[1]]);
    expect(completed[0]?.endedAt).toEqual(expect.any(String));
    await expect(listRunSummaries(db, { limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('lists the ids of runs still pending or running, oldest first', async () => {
    const active = await listActiveRunIds(db);
    expect(active).toContain(ids[0]);
    expect(active).not.toContain(ids[1]);
    const mine = active.filter((id) => ids.includes(id));
    expect(mine[0]).toBe(ids[0]);
    expect([...mine].sort()).toEqual([ids[0], ...ids.slice(2)].sort());
  });
});
