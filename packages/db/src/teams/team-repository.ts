import { randomUUID } from 'node:crypto';
import { type Actor, DomainError, Manifest, Uuid } from '@flightdeck/domain';
import { z } from 'zod';
import type { Db } from '../client';
import { appendAuditEntry } from '../audit/audit-store';
import { inTransaction } from '../transaction';
import { parseStoredManifest } from './stored-manifest';

/** Teams and their versioned manifests. A team's slug is its manifest's `name`. */

export interface SavedTeamManifest {
  teamId: string;
  slug: string;
  version: number;
  /** True when this call stored a new version (or created the team). */
  created: boolean;
}

/**
 * Stores a manifest: creates the team named by `manifest.name`, or adds a new
 * version when `source` differs from the current version's. Saving the
 * current source again changes nothing and returns the current version.
 * Concurrent saves of one team serialize on the team's row. With `by`, a new
 * version is recorded in the audit trail (`team.saved`) in the same
 * transaction: if that fails, nothing is saved.
 */
export async function saveTeamManifest(
  db: Db,
  input: { manifest: Manifest; source: string; by?: Actor },
): Promise<SavedTeamManifest> {
  const { manifest, source, by } = input;
  // The parsed form must parse again: that is what reading it back relies on.
  if (!Manifest.safeParse(manifest).success) {
    throw new DomainError(
      'INVALID_MANIFEST',
      `The manifest "${manifest.name}" does not validate; parse its source with the domain's parseManifest first`,
    );
  }
  return inTransaction(db.pool, async (client) => {
    await client.query(
      `INSERT INTO teams (id, slug, name, description, current_version, created_at, updated_at)
       VALUES ($1, $2, $2, $3, 0, now(), now())
       ON CONFLICT (slug) DO NOTHING`,
      [randomUUID(), manifest.name, manifest.description],
    );
    const current = await client.query<{
      id: string;
      current_version: number;
      source: string | null;
    }>(
      `SELECT t.id, t.current_version, m.source
         FROM teams t
         LEFT JOIN team_manifests m ON m.team_id = t.id AND m.version = t.current_version
        WHERE t.slug = $1
          FOR UPDATE OF t`,
      [manifest.name],
    );
    const team = current.rows[0];
    if (!team) throw new Error(`Team ${manifest.name} vanished while its manifest was being saved`);
    if (team.current_version > 0 && team.source === source) {
      return {
        teamId: team.id,
        slug: manifest.name,
        version: team.current_version,
        created: false,
      };
    }
    const version = team.current_version + 1;
    await client.query(
      `INSERT INTO team_manifests (team_id, version, source, manifest, created_at) VALUES ($1, $2, $3, $4, now())`,
      [team.id, version, source, JSON.stringify(manifest)],
    );
    await client.query(
      `UPDATE teams SET current_version = $2, name = $3, description = $4, updated_at = now() WHERE id = $1`,
      [team.id, version, manifest.name, manifest.description],
    );
    if (by) {
      await appendAuditEntry(client, {
        actor: by,
        action: 'team.saved',
        target: { teamId: team.id },
        detail: { slug: manifest.name, version },
      });
    }
    return { teamId: team.id, slug: manifest.name, version, created: true };
  });
}

export interface TeamListItem {
  id: string;
  slug: string;
  name: string;
  description: string;
  currentVersion: number;
  /** Agents declared by the current manifest version. */
  agentCount: number;
  updatedAt: string;
}

const TeamListRow = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  current_version: z.number().int(),
  agent_count: z.number().int(),
  updated_at: z.date(),
});

/** Every team, by slug. */
export async function listTeams(db: Db): Promise<TeamListItem[]> {
  const result = await db.pool.query(
    `SELECT t.id, t.slug, t.name, t.description, t.current_version, t.updated_at,
            (SELECT count(*)::int FROM jsonb_object_keys(m.manifest -> 'agents')) AS agent_count
       FROM teams t
       JOIN team_manifests m ON m.team_id = t.id AND m.version = t.current_version
      ORDER BY t.slug`,
  );
  return result.rows.map((raw) => {
    const row = TeamListRow.parse(raw);
    return {
      id: row.id,
      slug: row.slug,
      name: row.name,
      description: row.description,
      currentVersion: row.current_version,
      agentCount: row.agent_count,
      updatedAt: row.updated_at.toISOString(),
    };
  });
}

export interface TeamDetail {
  id: string;
  slug: string;
  name: string;
  description: string;
  currentVersion: number;
  createdAt: string;
  updatedAt: string;
  /** The current version's manifest as written, and parsed. */
  source: string;
  manifest: Manifest;
}

/** A team with its current manifest, by slug or id; null if there is none. */
export async function getTeam(
  db: Db,
  key: { slug: string } | { id: string },
): Promise<TeamDetail | null> {
  if ('id' in key && !Uuid.safeParse(key.id).success) return null;
  const team = await db.prisma.team.findUnique({
    where: 'id' in key ? { id: key.id } : { slug: key.slug },
  });
  if (!team) return null;
  const current = await getTeamManifest(db, team.id, team.currentVersion);
  if (!current)
    throw new Error(
      `Team ${team.slug} names current version ${team.currentVersion}, which does not exist`,
    );
  return {
    id: team.id,
    slug: team.slug,
    name: team.name,
    description: team.description,
    currentVersion: team.currentVersion,
    createdAt: team.createdAt.toISOString(),
    updatedAt: team.updatedAt.toISOString(),
    source: current.source,
    manifest: current.manifest,
  };
}

/** One version of a team's manifest; null if the team or version does not exist. */
export async function getTeamManifest(
  db: Db,
  teamId: string,
  version: number,
): Promise<{ manifest: Manifest; source: string } | null> {
  if (
    !Uuid.safeParse(teamId).success ||
    !Number.isInteger(version) ||
    version < 1 ||
    version > 2_147_483_647
  ) {
    return null;
  }
  const row = await db.prisma.teamManifest.findUnique({
    where: { teamId_version: { teamId, version } },
    select: { source: true, manifest: true },
  });
  if (!row) return null;
  return { source: row.source, manifest: parseStoredManifest(row.manifest, teamId, version) };
}
