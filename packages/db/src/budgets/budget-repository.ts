import {
  type AuditEntryInput,
  type BudgetAmounts,
  BudgetLimits,
  DomainError,
  type PeriodBudgets,
} from '@flightdeck/domain';
import type pg from 'pg';
import { appendAuditEntry } from '../audit/audit-store';
import type { Db } from '../client';
import { inTransaction } from '../transaction';

/**
 * Team and global budgets (limits per UTC day and month) and the usage that
 * counts against them. The limits live here; the counters live in Redis and
 * are rebuilt from `periodUsage` when Redis lost them.
 */

export interface PeriodBudgetRecord extends PeriodBudgets {
  /** 0 when nothing was ever set. */
  version: number;
  updatedBy: string | null;
  updatedAt: string | null;
}

const NONE: PeriodBudgetRecord = {
  day: {},
  month: {},
  version: 0,
  updatedBy: null,
  updatedAt: null,
};

interface BudgetRow {
  day: unknown;
  month: unknown;
  version: number;
  updated_by: string;
  updated_at: Date;
}

function toRecord(row: BudgetRow | undefined): PeriodBudgetRecord {
  if (!row) return NONE;
  return {
    // Re-validated on the way out, like every stored rule.
    day: BudgetLimits.parse(row.day),
    month: BudgetLimits.parse(row.month),
    version: row.version,
    updatedBy: row.updated_by,
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getTeamBudget(db: Db, teamId: string): Promise<PeriodBudgetRecord> {
  const result = await db.pool.query<BudgetRow>(
    'SELECT day, month, version, updated_by, updated_at FROM team_budgets WHERE team_id = $1',
    [teamId],
  );
  return toRecord(result.rows[0]);
}

export async function getGlobalBudget(db: Db): Promise<PeriodBudgetRecord> {
  const result = await db.pool.query<BudgetRow>(
    'SELECT day, month, version, updated_by, updated_at FROM global_budget WHERE id = 1',
  );
  return toRecord(result.rows[0]);
}

const limitsJson = (limits: BudgetLimits) => JSON.stringify(BudgetLimits.parse(limits));

/** Store a team's budgets (a new version), with its audit entry in the same transaction. */
export async function saveTeamBudget(
  db: Db,
  input: { teamId: string; budgets: PeriodBudgets; by: string; audit: AuditEntryInput },
): Promise<PeriodBudgetRecord> {
  return inTransaction(db.pool, async (client) => {
    const team = await client.query('SELECT 1 FROM teams WHERE id = $1', [input.teamId]);
    if (team.rowCount === 0) throw new DomainError('NOT_FOUND', `No team ${input.teamId}`);
    const saved = await client.query<BudgetRow>(
      `INSERT INTO team_budgets (team_id, day, month, version, updated_by, updated_at)
         VALUES ($1, $2, $3, 1, $4, now())
       ON CONFLICT (team_id) DO UPDATE
         SET day = EXCLUDED.day, month = EXCLUDED.month, version = team_budgets.version + 1,
             updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING day, month, version, updated_by, updated_at`,
      [input.teamId, limitsJson(input.budgets.day), limitsJson(input.budgets.month), input.by],
    );
    const record = toRecord(saved.rows[0]);
    await audit(client, input.audit, record);
    return record;
  });
}

/** Store the global budgets (a new version), audited in the same transaction. */
export async function saveGlobalBudget(
  db: Db,
  input: { budgets: PeriodBudgets; by: string; audit: AuditEntryInput },
): Promise<PeriodBudgetRecord> {
  return inTransaction(db.pool, async (client) => {
    const saved = await client.query<BudgetRow>(
      `INSERT INTO global_budget (id, day, month, version, updated_by, updated_at)
         VALUES (1, $1, $2, 1, $3, now())
       ON CONFLICT (id) DO UPDATE
         SET day = EXCLUDED.day, month = EXCLUDED.month, version = global_budget.version + 1,
             updated_by = EXCLUDED.updated_by, updated_at = now()
       RETURNING day, month, version, updated_by, updated_at`,
      [limitsJson(input.budgets.day), limitsJson(input.budgets.month), input.by],
    );
    const record = toRecord(saved.rows[0]);
    await audit(client, input.audit, record);
    return record;
  });
}

async function audit(client: pg.PoolClient, entry: AuditEntryInput, record: PeriodBudgetRecord) {
  await appendAuditEntry(client, {
    ...entry,
    detail: {
      ...(entry.detail ?? {}),
      version: record.version,
      day: record.day,
      month: record.month,
    },
  });
}

export interface PeriodUsage {
  used: Required<BudgetAmounts>;
  /**
   * Each run alive in the window with its last seq when the usage was read:
   * its events up to that seq are counted, every later one is not (settlements
   * of later events are added to the counters; earlier ones are not).
   */
  watermarks: Array<{ runId: string; lastSeq: number }>;
}

/**
 * What a team's runs (or every run, with `teamId` null) used in [from, to),
 * by the events' time, the way the reducer counts it: finished model calls'
 * cost, tokens and number; dispatched tool calls; started turns. One
 * statement, so the sums and the watermarks are one consistent snapshot.
 */
export async function periodUsage(
  db: Db,
  input: { teamId: string | null; from: string; to: string },
): Promise<PeriodUsage> {
  const result = await db.pool.query<{
    used: Record<string, string | number> | null;
    marks: Array<[string, number]> | null;
  }>(
    `WITH alive AS (
       SELECT r.id, r.last_seq FROM runs r
        WHERE r.created_at < $2
          AND (r.ended_at IS NULL OR r.ended_at >= $1)
          AND ($3::uuid IS NULL OR r.team_id = $3::uuid)
     ), counted AS (
       SELECT
         COALESCE(sum((e.payload->>'costMicroUsd')::bigint) FILTER (WHERE e.type = 'llm.call.finished'), 0)::bigint AS usd,
         COALESCE(sum((e.payload #>> '{usage,inputTokens}')::bigint + (e.payload #>> '{usage,outputTokens}')::bigint)
                  FILTER (WHERE e.type = 'llm.call.finished'), 0)::bigint AS tokens,
         count(*) FILTER (WHERE e.type = 'llm.call.finished')::bigint AS llm_calls,
         count(*) FILTER (WHERE e.type = 'tool.call.dispatched')::bigint AS tool_calls,
         count(*) FILTER (WHERE e.type = 'agent.turn.started')::bigint AS turns
         FROM alive a
         JOIN events e ON e.run_id = a.id
                      AND e.type IN ('llm.call.finished', 'tool.call.dispatched', 'agent.turn.started')
        WHERE e.at >= $1 AND e.at < $2
     )
     SELECT (SELECT row_to_json(counted) FROM counted) AS used,
            (SELECT json_agg(json_build_array(id, last_seq)) FROM alive) AS marks`,
    [input.from, input.to, input.teamId],
  );
  const row = result.rows[0];
  const n = (key: string) => {
    const value = Number(row?.used?.[key] ?? 0);
    if (!Number.isSafeInteger(value)) throw new Error(`usage ${key} exceeds safe integers`);
    return value;
  };
  return {
    used: {
      usd: n('usd'),
      tokens: n('tokens'),
      llmCalls: n('llm_calls'),
      toolCalls: n('tool_calls'),
      turns: n('turns'),
    },
    watermarks: (row?.marks ?? []).map(([runId, lastSeq]) => ({ runId, lastSeq })),
  };
}
