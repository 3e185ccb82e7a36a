import { DomainError } from '@flightdeck/domain';
import { z } from 'zod';
import type { Db } from '../client';

/**
 * Spend analytics, aggregated in SQL from the event log: every
 * `llm.call.finished` event carries the call's usage and its integer cost in
 * micro-dollars, so sums are exact and attributable to a team, a model and an
 * agent at the instant the call finished.
 *
 * Bounded and indexed: runs are narrowed to those alive during the window
 * (created before its end, not ended before its start), then each run's
 * finished calls are read through the (run_id, type, seq) index and filtered
 * by `at`. There is no index on events.at alone; this keeps a long history
 * cheap as long as the number of runs alive in a window stays moderate.
 */

export interface CostWindow {
  /** Inclusive start (ISO instant). */
  from: string;
  /** Exclusive end (ISO instant). */
  to: string;
  /** Only this team's runs. */
  teamSlug?: string;
  /** Only runs of these teams (a principal's teams); undefined for every team. */
  teamIds?: readonly string[];
}

const CostWindowSchema = z
  .object({
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
    teamSlug: z.string().min(1).max(63).optional(),
    teamIds: z.array(z.uuid()).readonly().optional(),
  })
  .refine((w) => Date.parse(w.from) <= Date.parse(w.to), 'from must not be after to');

function parseWindow(window: CostWindow): {
  from: Date;
  to: Date;
  teamSlug: string | null;
  teamIds: readonly string[] | null;
} {
  const parsed = CostWindowSchema.safeParse(window);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `Invalid cost window: ${z.prettifyError(parsed.error)}`,
      parsed.error.issues,
    );
  }
  return {
    from: new Date(parsed.data.from),
    to: new Date(parsed.data.to),
    teamSlug: parsed.data.teamSlug ?? null,
    teamIds: parsed.data.teamIds ?? null,
  };
}

/** Finished LLM calls in [$1, $2), optionally of team slug $3 and of team ids $4, with their run's team. */
const CALLS = `
  SELECT e.run_id, e.seq, e.at, e.agent_id, e.payload,
         t.slug AS team_slug, t.name AS team_name,
         COALESCE((e.payload->>'costMicroUsd')::bigint, 0) AS cost,
         COALESCE((e.payload #>> '{usage,inputTokens}')::bigint, 0) AS input_tokens,
         COALESCE((e.payload #>> '{usage,outputTokens}')::bigint, 0) AS output_tokens
    FROM runs r
    JOIN teams t ON t.id = r.team_id
    JOIN events e ON e.run_id = r.id AND e.type = 'llm.call.finished'
   WHERE r.created_at < $2
     AND (r.ended_at IS NULL OR r.ended_at >= $1)
     AND ($3::text IS NULL OR t.slug = $3)
     AND ($4::uuid[] IS NULL OR t.id = ANY($4::uuid[]))
     AND e.at >= $1 AND e.at < $2`;

/** A bigint sum as a JavaScript number; throws past 2^53 rather than lose precision. */
function toSafe(value: string | number | null | undefined, what: string): number {
  if (value === null || value === undefined) return 0;
  const number = Number(value);
  if (!Number.isSafeInteger(number))
    throw new Error(`${what} ${value} exceeds JavaScript's safe integers`);
  return number;
}

interface SumRow {
  cost: string | null;
  input_tokens: string | null;
  output_tokens: string | null;
  calls: string | null;
}

export interface CostSums {
  costMicroUsd: number;
  inputTokens: number;
  outputTokens: number;
  /** Finished LLM calls. */
  calls: number;
}

const SUMS = `COALESCE(sum(c.cost), 0)::bigint AS cost,
  COALESCE(sum(c.input_tokens), 0)::bigint AS input_tokens,
  COALESCE(sum(c.output_tokens), 0)::bigint AS output_tokens,
  count(*)::bigint AS calls`;

function toSums(row: SumRow | undefined): CostSums {
  return {
    costMicroUsd: toSafe(row?.cost, 'cost'),
    inputTokens: toSafe(row?.input_tokens, 'inputTokens'),
    outputTokens: toSafe(row?.output_tokens, 'outputTokens'),
    calls: toSafe(row?.calls, 'calls'),
  };
}

function params(w: ReturnType<typeof parseWindow>): unknown[] {
  return [w.from, w.to, w.teamSlug, w.teamIds];
}

/** Totals of the window. */
export async function sumCosts(db: Db, window: CostWindow): Promise<CostSums> {
  const w = parseWindow(window);
  const result = await db.pool.query<SumRow>(
    `WITH c AS (${CALLS}) SELECT ${SUMS} FROM c`,
    params(w),
  );
  return toSums(result.rows[0]);
}

export interface TeamCost extends CostSums {
  teamSlug: string;
  teamName: string;
}

/** Spend per team, most expensive first. */
export async function costByTeam(db: Db, window: CostWindow): Promise<TeamCost[]> {
  const w = parseWindow(window);
  const result = await db.pool.query<SumRow & { team_slug: string; team_name: string }>(
    `WITH c AS (${CALLS})
     SELECT c.team_slug, c.team_name, ${SUMS} FROM c
      GROUP BY c.team_slug, c.team_name
      ORDER BY cost DESC, c.team_slug`,
    params(w),
  );
  return result.rows.map((row) => ({
    teamSlug: row.team_slug,
    teamName: row.team_name,
    ...toSums(row),
  }));
}

export interface CostBucket extends CostSums {
  /** Start of the bucket (ISO instant, UTC-aligned). */
  bucket: string;
  teamSlug: string;
  teamName: string;
}

/**
 * Spend per time bucket and team, oldest first. Buckets are `bucketSeconds`
 * wide and aligned to UTC midnight (date_bin from 2000-01-01T00:00Z); only
 * buckets with calls are returned.
 */
export async function costTimeseries(
  db: Db,
  window: CostWindow & { bucketSeconds: number },
): Promise<CostBucket[]> {
  const w = parseWindow(window);
  const seconds = z.number().int().min(60).max(86_400).safeParse(window.bucketSeconds);
  if (!seconds.success) throw new DomainError('INVALID_INPUT', 'bucketSeconds must be 60…86400');
  const result = await db.pool.query<
    SumRow & { bucket: Date; team_slug: string; team_name: string }
  >(
    `WITH c AS (${CALLS})
     SELECT date_bin(make_interval(secs => $5), c.at, TIMESTAMPTZ '2000-01-01T00:00:00Z') AS bucket,
            c.team_slug, c.team_name, ${SUMS}
       FROM c
      GROUP BY 1, c.team_slug, c.team_name
      ORDER BY 1, c.team_slug`,
    [...params(w), seconds.data],
  );
  return result.rows.map((row) => ({
    bucket: row.bucket.toISOString(),
    teamSlug: row.team_slug,
    teamName: row.team_name,
    ...toSums(row),
  }));
}

export interface ModelCost extends CostSums {
  /** `provider/name`: the model of the call's `llm.call.started`, else the agent's model. */
  model: string;
}

/** Spend and tokens per model, most expensive first. */
export async function costByModel(db: Db, window: CostWindow): Promise<ModelCost[]> {
  const w = parseWindow(window);
  const result = await db.pool.query<SumRow & { model: string }>(
    `WITH c AS (
       SELECT calls.*,
              COALESCE(
                (s.payload #>> '{model,provider}') || '/' || (s.payload #>> '{model,name}'),
                a.model,
                'unknown'
              ) AS model
         FROM (${CALLS}) calls
         LEFT JOIN agents a ON a.id = calls.agent_id
         LEFT JOIN LATERAL (
           SELECT started.payload FROM events started
            WHERE started.run_id = calls.run_id
              AND started.type = 'llm.call.started'
              AND started.seq < calls.seq
              AND started.agent_id IS NOT DISTINCT FROM calls.agent_id
              AND started.payload->>'callId' = calls.payload->>'callId'
            ORDER BY started.seq DESC
            LIMIT 1
         ) s ON true
     )
     SELECT c.model, ${SUMS} FROM c
      GROUP BY c.model
      ORDER BY cost DESC, c.model`,
    params(w),
  );
  return result.rows.map((row) => ({ model: row.model, ...toSums(row) }));
}

export interface AgentCost extends CostSums {
  /** The agent's name in its team's manifest ("lead", "researcher"). */
  agentName: string;
  teamSlug: string;
  teamName: string;
  /** Distinct agents (across runs) with this name in this team. */
  agents: number;
}

/** Spend per agent name and team, most expensive first, at most `limit` (1…100). */
export async function costByAgent(
  db: Db,
  window: CostWindow & { limit: number },
): Promise<AgentCost[]> {
  const w = parseWindow(window);
  const limit = z.number().int().min(1).max(100).safeParse(window.limit);
  if (!limit.success) throw new DomainError('INVALID_INPUT', 'limit must be 1…100');
  const result = await db.pool.query<
    SumRow & { agent_name: string; team_slug: string; team_name: string; agents: string }
  >(
    `WITH c AS (
       SELECT calls.*, COALESCE(a.name, '(run)') AS agent_name
         FROM (${CALLS}) calls
         LEFT JOIN agents a ON a.id = calls.agent_id
     )
     SELECT c.agent_name, c.team_slug, c.team_name, count(DISTINCT c.agent_id)::bigint AS agents, ${SUMS}
       FROM c
      GROUP BY c.agent_name, c.team_slug, c.team_name
      ORDER BY cost DESC, c.agent_name, c.team_slug
      LIMIT $5`,
    [...params(w), limit.data],
  );
  return result.rows.map((row) => ({
    agentName: row.agent_name,
    teamSlug: row.team_slug,
    teamName: row.team_name,
    agents: toSafe(row.agents, 'agents'),
    ...toSums(row),
  }));
}

export interface CostlyRun {
  id: string;
  goal: string;
  status: string;
  teamSlug: string;
  teamName: string;
  /** The run's whole spend and tokens (its projection), not only the window's share. */
  costMicroUsd: number;
  inputTokens: number;
  outputTokens: number;
  turns: number;
  agentCount: number;
  createdAt: string;
  endedAt: string | null;
}

/** Runs created in the window, most expensive first, at most `limit` (1…100). */
export async function topCostRuns(
  db: Db,
  window: CostWindow & { limit: number },
): Promise<CostlyRun[]> {
  const w = parseWindow(window);
  const limit = z.number().int().min(1).max(100).safeParse(window.limit);
  if (!limit.success) throw new DomainError('INVALID_INPUT', 'limit must be 1…100');
  const result = await db.pool.query<{
    id: string;
    goal: string;
    status: string;
    team_slug: string;
    team_name: string;
    cost_micro_usd: string;
    input_tokens: string;
    output_tokens: string;
    turns: number;
    agent_count: number;
    created_at: Date;
    ended_at: Date | null;
  }>(
    `SELECT r.id, r.goal, r.status, t.slug AS team_slug, t.name AS team_name,
            r.cost_micro_usd, r.input_tokens, r.output_tokens, r.turns, r.agent_count,
            r.created_at, r.ended_at
       FROM runs r JOIN teams t ON t.id = r.team_id
      WHERE r.created_at >= $1 AND r.created_at < $2
        AND ($3::text IS NULL OR t.slug = $3)
     AND ($4::uuid[] IS NULL OR t.id = ANY($4::uuid[]))
        AND r.cost_micro_usd > 0
      ORDER BY r.cost_micro_usd DESC, r.created_at DESC, r.id
      LIMIT $5`,
    [...params(w), limit.data],
  );
  return result.rows.map((row) => ({
    id: row.id,
    goal: row.goal,
    status: row.status,
    teamSlug: row.team_slug,
    teamName: row.team_name,
    costMicroUsd: toSafe(row.cost_micro_usd, 'cost'),
    inputTokens: toSafe(row.input_tokens, 'inputTokens'),
    outputTokens: toSafe(row.output_tokens, 'outputTokens'),
    turns: row.turns,
    agentCount: row.agent_count,
    createdAt: row.created_at.toISOString(),
    endedAt: row.ended_at?.toISOString() ?? null,
  }));
}
