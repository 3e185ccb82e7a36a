import {
  costByAgent,
  costByModel,
  costByTeam,
  costTimeseries,
  sumCosts,
  topCostRuns,
  type AgentCost,
  type CostlyRun,
  type CostSums,
  type ModelCost,
  type TeamCost,
} from '@flightdeck/db';
import type { Engine } from '../engine';

/** Spend analytics over a recent window: thin wrappers that turn a range into instants. */

export type { AgentCost, CostlyRun, CostSums, ModelCost, TeamCost };

export const COST_RANGES = ['24h', '7d', '30d'] as const;
export type CostRange = (typeof COST_RANGES)[number];

const HOUR_MS = 3_600_000;
const RANGE_MS: Record<CostRange, number> = {
  '24h': 24 * HOUR_MS,
  '7d': 7 * 24 * HOUR_MS,
  '30d': 30 * 24 * HOUR_MS,
};
/** Chart buckets: 24 hourly, 28 six-hourly, 30 daily. */
const BUCKET_SECONDS: Record<CostRange, number> = { '24h': 3600, '7d': 6 * 3600, '30d': 86_400 };

export interface CostQuery {
  range: CostRange;
  teamSlug?: string;
  /** Only these teams' runs (the caller's teams); undefined for every team. */
  teamIds?: readonly string[];
  /** Defaults to the current time; tests pin it. */
  now?: Date;
}

function window(query: CostQuery, from?: Date) {
  const now = query.now ?? new Date();
  return {
    from: (from ?? new Date(now.getTime() - RANGE_MS[query.range])).toISOString(),
    to: new Date(now.getTime() + 1).toISOString(),
    teamSlug: query.teamSlug,
    teamIds: query.teamIds,
  };
}

export interface CostSummary {
  /** Since 00:00 UTC today. */
  today: CostSums;
  /** Since 00:00 UTC on the 1st of this month. */
  month: CostSums;
  /** The last 60 minutes: micro-dollars per hour. */
  burnRateMicroUsdPerHour: number;
  range: CostSums;
  /** The most expensive team of the range, or null if nothing was spent. */
  topTeam: TeamCost | null;
  teams: TeamCost[];
}

export async function getCostSummary(engine: Engine, query: CostQuery): Promise<CostSummary> {
  const now = query.now ?? new Date();
  const q = { ...query, now };
  const dayStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const [today, month, lastHour, range, teams] = await Promise.all([
    sumCosts(engine.db, window(q, dayStart)),
    sumCosts(engine.db, window(q, monthStart)),
    sumCosts(engine.db, window(q, new Date(now.getTime() - HOUR_MS))),
    sumCosts(engine.db, window(q)),
    costByTeam(engine.db, window(q)),
  ]);
  const top = teams[0];
  return {
    today,
    month,
    burnRateMicroUsdPerHour: lastHour.costMicroUsd,
    range,
    topTeam: top && top.costMicroUsd > 0 ? top : null,
    teams,
  };
}

export interface CostSeriesPoint extends CostSums {
  teamSlug: string;
  teamName: string;
}

export interface CostTimeseries {
  bucketSeconds: number;
  /** Every bucket start of the range, oldest first, including empty ones. */
  buckets: string[];
  /** Non-empty (bucket, team) cells. */
  points: Array<CostSeriesPoint & { bucket: string }>;
}

export async function getCostTimeseries(engine: Engine, query: CostQuery): Promise<CostTimeseries> {
  const now = query.now ?? new Date();
  const bucketSeconds = BUCKET_SECONDS[query.range];
  const w = window({ ...query, now });
  const points = await costTimeseries(engine.db, { ...w, bucketSeconds });
  const step = bucketSeconds * 1000;
  const epoch = Date.UTC(2000, 0, 1);
  const first = epoch + Math.floor((Date.parse(w.from) - epoch) / step) * step;
  const buckets: string[] = [];
  for (let t = first; t <= now.getTime(); t += step) buckets.push(new Date(t).toISOString());
  return { bucketSeconds, buckets, points };
}

export function getCostByModel(engine: Engine, query: CostQuery): Promise<ModelCost[]> {
  return costByModel(engine.db, window(query));
}

export function getCostByAgent(
  engine: Engine,
  query: CostQuery & { limit: number },
): Promise<AgentCost[]> {
  return costByAgent(engine.db, { ...window(query), limit: query.limit });
}

export function getTopCostRuns(
  engine: Engine,
  query: CostQuery & { limit: number },
): Promise<CostlyRun[]> {
  return topCostRuns(engine.db, { ...window(query), limit: query.limit });
}
