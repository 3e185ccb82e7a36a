import { type AuditEntryInput, BreakerOverrides, DomainError } from '@flightdeck/domain';
import { appendAuditEntry } from '../audit/audit-store';
import type { Db } from '../client';
import { inTransaction } from '../transaction';

export interface TeamBreakerDefaultsRecord {
  teamId: string;
  /** 0 when the team has set none. */
  version: number;
  /** Only what the team set: over the built-in defaults, under each manifest's `breakers:`. */
  thresholds: BreakerOverrides;
  createdBy: string | null;
  createdAt: string | null;
}

/** The team's current breaker defaults (re-validated on the way out). NOT_FOUND for an unknown team. */
export async function getTeamBreakerDefaults(
  db: Db,
  teamId: string,
): Promise<TeamBreakerDefaultsRecord> {
  const result = await db.pool.query<{
    team: string;
    version: number | null;
    thresholds: unknown;
    created_by: string | null;
    created_at: Date | null;
  }>(
    `SELECT t.id AS team, d.version, d.thresholds, d.created_by, d.created_at
       FROM teams t
       LEFT JOIN LATERAL (
         SELECT * FROM team_breaker_defaults b WHERE b.team_id = t.id ORDER BY b.version DESC LIMIT 1
       ) d ON true
      WHERE t.id = $1`,
    [teamId],
  );
  const row = result.rows[0];
  if (!row) throw new DomainError('NOT_FOUND', `No team ${teamId}`);
  return {
    teamId,
    version: row.version ?? 0,
    thresholds: row.thresholds === null ? {} : BreakerOverrides.parse(row.thresholds),
    createdBy: row.created_by,
    createdAt: row.created_at?.toISOString() ?? null,
  };
}

/** Store a new version of the team's breaker defaults, with its audit entry in the same transaction. */
export async function saveTeamBreakerDefaults(
  db: Db,
  input: {
    teamId: string;
    thresholds: BreakerOverrides;
    createdBy: string;
    audit: AuditEntryInput;
  },
): Promise<{ version: number }> {
  const thresholds = BreakerOverrides.parse(input.thresholds);
  return inTransaction(db.pool, async (client) => {
    // The team's row lock orders concurrent saves: versions stay gapless.
    const team = await client.query('SELECT id FROM teams WHERE id = $1 FOR UPDATE', [
      input.teamId,
    ]);
    if (team.rowCount === 0) throw new DomainError('NOT_FOUND', `No team ${input.teamId}`);
    const last = await client.query<{ version: number | null }>(
      'SELECT max(version) AS version FROM team_breaker_defaults WHERE team_id = $1',
      [input.teamId],
    );
    const version = (last.rows[0]?.version ?? 0) + 1;
    await client.query(
      `INSERT INTO team_breaker_defaults (team_id, version, thresholds, created_by) VALUES ($1, $2, $3, $4)`,
      [input.teamId, version, JSON.stringify(thresholds), input.createdBy],
    );
    await appendAuditEntry(client, {
      ...input.audit,
      detail: { ...(input.audit.detail ?? {}), version, thresholds },
    });
    return { version };
  });
}
