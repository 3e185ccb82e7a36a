import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { manifestFrom, RESEARCH_SOURCE } from '../test/fixtures';
import { createMigratedTestDatabase } from '../testing';
import { getTeam, getTeamManifest, listTeams, saveTeamManifest } from './team-repository';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedTestDatabase('team_repository');
  db = createDb({ databaseUrl: database.url });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const save = (source: string) => saveTeamManifest(db, { manifest: manifestFrom(source), source });

describe('team manifests', () => {
  it('creates a team at version 1, keeps the version for the same source, adds one for a new source', async () => {
    const first = await save(RESEARCH_SOURCE);
    expect(first).toEqual({
      teamId: expect.any(String) as string,
      slug: 'research',
      version: 1,
      created: true,
    });
    expect(await save(RESEARCH_SOURCE)).toEqual({ ...first, created: false });

    const edited = RESEARCH_SOURCE.replace('maxTurns: 5', 'maxTurns: 7');
    expect(await save(edited)).toEqual({ ...first, version: 2, created: true });
    // Going back to an earlier source is a change too.
    expect(await save(RESEARCH_SOURCE)).toEqual({ ...first, version: 3, created: true });

    const team = await getTeam(db, { slug: 'research' });
    expect(team).toMatchObject({
      id: first.teamId,
      slug: 'research',
      name: 'research',
      currentVersion: 3,
      source: RESEARCH_SOURCE,
    });
    expect(team?.manifest).toEqual(manifestFrom(RESEARCH_SOURCE));
    expect(await getTeam(db, { id: first.teamId })).toEqual(team);

    const v2 = await getTeamManifest(db, first.teamId, 2);
    expect(v2).toEqual({ source: edited, manifest: manifestFrom(edited) });
    expect(v2?.manifest.agents.researcher?.limits.maxTurns).toBe(7);
    expect(await getTeamManifest(db, first.teamId, 4)).toBeNull();
  });

  it('serializes concurrent saves of one team into distinct versions', async () => {
    const sources = Array.from({ length: 6 }, (_, i) =>
      RESEARCH_SOURCE.replace('name: research', 'name: busy').replace(
        'maxTurns: 5',
        `maxTurns: ${10 + i}`,
      ),
    );
    const results = await Promise.all(sources.map(save));
    expect(new Set(results.map((r) => r.teamId)).size).toBe(1);
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect((await getTeam(db, { slug: 'busy' }))?.currentVersion).toBe(6);
  });

  it('lists teams with their current version and agent count', async () => {
    await save(
      RESEARCH_SOURCE.replace('name: research', 'name: alpha').replace(
        'description: A lead',
        'description: First',
      ),
    );
    const teams = await listTeams(db);
    expect(teams.map((t) => t.slug)).toEqual([...teams.map((t) => t.slug)].sort());
    expect(teams.find((t) => t.slug === 'alpha')).toEqual({
      id: expect.any(String) as string,
      slug: 'alpha',
      name: 'alpha',
      description: 'First that delegates reading to a researcher.',
      currentVersion: 1,
      agentCount: 2,
      updatedAt: expect.any(String) as string,
    });
  });

  it('returns null for unknown teams and versions', async () => {
    expect(await getTeam(db, { slug: 'nobody' })).toBeNull();
    expect(await getTeam(db, { id: 'not-a-uuid' })).toBeNull();
    expect(await getTeamManifest(db, '00000000-0000-4000-8000-000000000000', 1)).toBeNull();
  });

  it('refuses to read a stored manifest that no longer validates, naming team and version', async () => {
    const saved = await save(RESEARCH_SOURCE.replace('name: research', 'name: broken'));
    await db.pool.query(
      `UPDATE team_manifests SET manifest = manifest - 'lead' WHERE team_id = $1`,
      [saved.teamId],
    );
    await expect(getTeam(db, { slug: 'broken' })).rejects.toThrow(
      new RegExp(
        `Stored manifest version 1 of team ${saved.teamId} does not match the manifest schema: lead`,
      ),
    );
  });
});
