import { ApprovalSettings, DomainError, type ApprovalStatus } from '@flightdeck/domain';
import { z } from 'zod';
import type { Db } from '../client';

/** One approval as the inbox shows it (the run's events hold the same facts). */
export interface ApprovalRecord {
  id: string;
  runId: string;
  teamId: string;
  teamName: string;
  goal: string;
  agentId: string;
  agentName: string;
  callId: string;
  tool: string;
  args: Record<string, unknown>;
  fingerprint: string;
  ruleId: string | null;
  reason: string;
  risk: string | null;
  diff: { path: string; before: string | null; truncated: boolean } | null;
  requestedBy: { kind: string; id: string };
  settings: ApprovalSettings;
  status: ApprovalStatus;
  votes: Array<{
    by: { kind: string; id: string };
    fingerprint: string;
    reason: string;
    at: string;
  }>;
  warned: boolean;
  requestedAt: string;
  warnAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decision: {
    by: { kind: string; id: string } | null;
    reason: string;
    applied: 'allow' | 'deny';
    args: Record<string, unknown>;
    edited: boolean;
    allowRuleForRun: boolean;
  } | null;
}

const Actor = z.object({ kind: z.string(), id: z.string() });
const Row = z.object({
  id: z.string(),
  run_id: z.string(),
  team_id: z.string(),
  team_name: z.string(),
  goal: z.string(),
  agent_id: z.string(),
  agent_name: z.string(),
  call_id: z.string(),
  tool: z.string(),
  args: z.record(z.string(), z.unknown()),
  fingerprint: z.string(),
  rule_id: z.string().nullable(),
  reason: z.string(),
  risk: z.string().nullable(),
  diff: z
    .object({ path: z.string(), before: z.string().nullable(), truncated: z.boolean() })
    .nullable(),
  requested_by: Actor,
  settings: ApprovalSettings,
  status: z.enum(['pending', 'approved', 'denied', 'expired', 'cancelled']),
  votes: z.array(
    z.object({ by: Actor, fingerprint: z.string(), reason: z.string(), at: z.string() }),
  ),
  warned: z.boolean(),
  requested_at: z.date(),
  warn_at: z.date(),
  expires_at: z.date(),
  decided_at: z.date().nullable(),
  decision: z
    .object({
      by: Actor.nullable(),
      reason: z.string(),
      applied: z.enum(['allow', 'deny']),
      args: z.record(z.string(), z.unknown()),
      edited: z.boolean(),
      allowRuleForRun: z.boolean(),
    })
    .nullable(),
});

const SELECT = `SELECT a.*, t.name AS team_name, r.goal
                  FROM approvals a JOIN runs r ON r.id = a.run_id JOIN teams t ON t.id = a.team_id`;

function toRecord(raw: unknown): ApprovalRecord {
  const row = Row.parse(raw);
  return {
    id: row.id,
    runId: row.run_id,
    teamId: row.team_id,
    teamName: row.team_name,
    goal: row.goal,
    agentId: row.agent_id,
    agentName: row.agent_name,
    callId: row.call_id,
    tool: row.tool,
    args: row.args,
    fingerprint: row.fingerprint,
    ruleId: row.rule_id,
    reason: row.reason,
    risk: row.risk,
    diff: row.diff,
    requestedBy: row.requested_by,
    settings: row.settings,
    status: row.status,
    votes: row.votes,
    warned: row.warned,
    requestedAt: row.requested_at.toISOString(),
    warnAt: row.warn_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    decidedAt: row.decided_at?.toISOString() ?? null,
    decision: row.decision,
  };
}

export interface ListApprovalsQuery {
  /** `pending`, or `decided` for the history (every other status). */
  state: 'pending' | 'decided';
  runId?: string;
  /** Only these teams; every team when absent. */
  teamIds?: readonly string[];
  limit?: number;
  /** For the history: approvals requested before this time. */
  before?: string;
}

export async function listApprovals(db: Db, query: ListApprovalsQuery): Promise<ApprovalRecord[]> {
  const params: unknown[] = [];
  const where: string[] = [
    query.state === 'pending' ? `a.status = 'pending'` : `a.status <> 'pending'`,
  ];
  if (query.runId) {
    params.push(query.runId);
    where.push(`a.run_id = $${params.length}`);
  }
  if (query.teamIds) {
    params.push(query.teamIds);
    where.push(`a.team_id = ANY($${params.length}::uuid[])`);
  }
  if (query.before) {
    params.push(query.before);
    where.push(`a.requested_at < $${params.length}`);
  }
  params.push(Math.min(Math.max(query.limit ?? 100, 1), 500));
  const order = query.state === 'pending' ? 'a.expires_at ASC' : 'a.requested_at DESC';
  const result = await db.pool.query(
    `${SELECT} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${params.length}`,
    params,
  );
  return result.rows.map(toRecord);
}

export async function getApproval(db: Db, id: string): Promise<ApprovalRecord> {
  if (!z.uuid().safeParse(id).success) throw new DomainError('NOT_FOUND', `No approval ${id}`);
  const result = await db.pool.query(`${SELECT} WHERE a.id = $1`, [id]);
  if (!result.rows[0]) throw new DomainError('NOT_FOUND', `No approval ${id}`);
  return toRecord(result.rows[0]);
}

export async function countPendingApprovals(db: Db, teamIds?: readonly string[]): Promise<number> {
  const result = await db.pool.query<{ n: number }>(
    teamIds
      ? `SELECT count(*)::int AS n FROM approvals WHERE status = 'pending' AND team_id = ANY($1::uuid[])`
      : `SELECT count(*)::int AS n FROM approvals WHERE status = 'pending'`,
    teamIds ? [teamIds] : [],
  );
  return result.rows[0]?.n ?? 0;
}

/** Pending approvals whose time is up (or whose warning is due), for the timers' safety net. */
export async function listDueApprovals(
  db: Db,
  now: Date,
  limit = 200,
): Promise<Array<{ id: string; runId: string; due: 'expire' | 'warn' }>> {
  const result = await db.pool.query<{ id: string; run_id: string; due: 'expire' | 'warn' }>(
    `SELECT id, run_id, CASE WHEN expires_at <= $1 THEN 'expire' ELSE 'warn' END AS due
       FROM approvals
      WHERE status = 'pending' AND (expires_at <= $1 OR (warn_at <= $1 AND NOT warned))
      ORDER BY expires_at LIMIT $2`,
    [now, limit],
  );
  return result.rows.map((r) => ({ id: r.id, runId: r.run_id, due: r.due }));
}
