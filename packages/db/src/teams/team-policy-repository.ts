import {
  type AuditEntryInput,
  DomainError,
  PolicyRules,
  type PolicyRule,
} from '@flightdeck/domain';
import { appendAuditEntry } from '../audit/audit-store';
import type { Db } from '../client';
import { inTransaction } from '../transaction';

export interface TeamPolicyRecord {
  teamId: string;
  /** 0 when the team has no default rules yet. */
  version: number;
  rules: PolicyRule[];
  createdBy: string | null;
  createdAt: string | null;
}

/** The team's current default rules (re-validated on the way out). */
export async function getTeamPolicy(db: Db, teamId: string): Promise<TeamPolicyRecord> {
  const result = await db.pool.query<{
    policy_version: number;
    rules: unknown;
    created_by: string | null;
    created_at: Date | null;
  }>(
    `SELECT t.policy_version, p.rules, p.created_by, p.created_at
       FROM teams t LEFT JOIN team_policies p ON p.team_id = t.id AND p.version = t.policy_version
      WHERE t.id = $1`,
    [teamId],
  );
  const row = result.rows[0];
  if (!row) throw new DomainError('NOT_FOUND', `No team ${teamId}`);
  return {
    teamId,
    version: row.policy_version,
    rules: row.rules === null ? [] : PolicyRules.parse(row.rules),
    createdBy: row.created_by,
    createdAt: row.created_at?.toISOString() ?? null,
  };
}

/** Store a new version of the team's default rules, with its audit entry in the same transaction. */
export async function saveTeamPolicy(
  db: Db,
  input: { teamId: string; rules: PolicyRule[]; createdBy: string; audit: AuditEntryInput },
): Promise<{ version: number }> {
  return inTransaction(db.pool, async (client) => {
    const team = await client.query<{ policy_version: number }>(
      'SELECT policy_version FROM teams WHERE id = $1 FOR UPDATE',
      [input.teamId],
    );
    const current = team.rows[0];
    if (!current) throw new DomainError('NOT_FOUND', `No team ${input.teamId}`);
    const version = current.policy_version + 1;
    await client.query(
      `INSERT INTO team_policies (team_id, version, rules, created_by) VALUES ($1, $2, $3, $4)`,
      [input.teamId, version, JSON.stringify(input.rules), input.createdBy],
    );
    await client.query(`UPDATE teams SET policy_version = $2, updated_at = now() WHERE id = $1`, [
      input.teamId,
      version,
    ]);
    await appendAuditEntry(client, {
      ...input.audit,
      detail: { ...(input.audit.detail ?? {}), version, rules: input.rules.length },
    });
    return { version };
  });
}
