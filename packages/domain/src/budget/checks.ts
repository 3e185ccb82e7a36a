import {
  amountOf,
  type BudgetAmounts,
  type BudgetLimits,
  type BudgetMetric,
  COUNTER_METRICS,
  formatBudgetAmount,
  metricName,
} from './limits';
import type { BudgetScope } from './scopes';

/**
 * Pure budget arithmetic. The reservation itself runs as one Redis script (in
 * the engine) that applies exactly `decideReservation` atomically; this is
 * its specification, and what the browser and the status use.
 */

/** One scope's counters: what is used (settled) and reserved (in flight) against its limits. */
export interface ScopeCounters {
  scope: BudgetScope;
  limits: BudgetLimits;
  used: BudgetAmounts;
  reserved: BudgetAmounts;
}

/** A call refused at a hard limit: which scope and metric, and the figures that did not fit. */
export interface HardBreach {
  scope: BudgetScope;
  metric: BudgetMetric;
  limit: number;
  used: number;
  reserved: number;
  requested: number;
}

/**
 * Whether `requested` fits every covering scope: refused at the first scope
 * (narrowest first) and metric where used + reserved + requested would pass
 * the hard limit. A request of 0 never breaches (a scope already over its
 * limit does not stop what does not consume it).
 */
export function decideReservation(
  scopes: readonly ScopeCounters[],
  requested: BudgetAmounts,
): { ok: true } | { ok: false; breach: HardBreach } {
  for (const s of scopes) {
    for (const metric of COUNTER_METRICS) {
      const want = amountOf(requested, metric);
      const hard = s.limits[metric]?.hard;
      if (want <= 0 || hard === undefined) continue;
      const used = amountOf(s.used, metric);
      const reserved = amountOf(s.reserved, metric);
      if (used + reserved + want > hard)
        return {
          ok: false,
          breach: { scope: s.scope, metric, limit: hard, used, reserved, requested: want },
        };
    }
  }
  return { ok: true };
}

/**
 * A refusal only because other calls' reservations are in flight: what is
 * used plus this request still fits. Those calls settle at their real usage
 * (usually far below their worst case), so the call waits and tries again
 * rather than stopping the run; once the used amount alone leaves no room,
 * the limit is reached.
 */
export const heldByReservations = (breach: HardBreach): boolean =>
  breach.reserved > 0 && breach.used + breach.requested <= breach.limit;

/** What is left under the hard limits, per metric: the least over all scopes (absent: unlimited). */
export function remainingOf(scopes: readonly ScopeCounters[]): BudgetAmounts {
  const out: BudgetAmounts = {};
  for (const s of scopes) {
    for (const metric of COUNTER_METRICS) {
      const hard = s.limits[metric]?.hard;
      if (hard === undefined) continue;
      const left = Math.max(0, hard - amountOf(s.used, metric) - amountOf(s.reserved, metric));
      out[metric] = Math.min(out[metric] ?? Number.POSITIVE_INFINITY, left);
    }
  }
  return out;
}

/**
 * Why a slice a parent wants to hand a subagent is refused: it asks for more
 * of a metric than the parent has left. Null when it fits.
 */
export function sliceRefusal(slice: BudgetLimits, remaining: BudgetAmounts): string | null {
  const over: string[] = [];
  for (const metric of COUNTER_METRICS) {
    const asked = slice[metric]?.hard;
    const left = remaining[metric];
    if (asked === undefined || left === undefined || asked <= left) continue;
    over.push(
      `it asks for ${formatBudgetAmount(metric, asked)} but the parent has ${formatBudgetAmount(metric, left)} left`,
    );
  }
  return over.length
    ? `refused: the budget slice would widen the parent's budget: ${over.join('; ')}`
    : null;
}

/** A soft limit crossed by going from `before` to `after`. */
export interface SoftCrossing {
  metric: BudgetMetric;
  soft: number;
  used: number;
}

export function softCrossings(
  limits: BudgetLimits,
  before: BudgetAmounts,
  after: BudgetAmounts,
): SoftCrossing[] {
  const crossed: SoftCrossing[] = [];
  for (const metric of COUNTER_METRICS) {
    const soft = limits[metric]?.soft;
    if (soft === undefined) continue;
    const was = amountOf(before, metric);
    const now = amountOf(after, metric);
    if (was < soft && now >= soft) crossed.push({ metric, soft, used: now });
  }
  return crossed;
}

/** Wall time against its limits: `hard` once it is reached, `soft` once that is. */
export function wallTimeCheck(
  limits: BudgetLimits,
  activeMs: number,
): { hard: boolean; soft: boolean } {
  const limit = limits.wallMs;
  return {
    hard: limit?.hard !== undefined && activeMs >= limit.hard,
    soft: limit?.soft !== undefined && activeMs >= limit.soft,
  };
}

/** One reason line: `the run's spend hard limit $1.00 is reached (used $0.98, reserved $0.01, this call needs up to $0.04)`. */
export function describeBreach(breach: HardBreach, scopeText: string): string {
  const f = (n: number) => formatBudgetAmount(breach.metric, n);
  if (breach.metric === 'wallMs')
    return `${scopeText}: wall time hard limit ${f(breach.limit)} reached (running for ${f(breach.used)})`;
  return `${scopeText}: ${metricName(breach.metric)} hard limit ${f(breach.limit)} reached (used ${f(breach.used)}, reserved ${f(breach.reserved)}, this call needs up to ${f(breach.requested)})`;
}

// ---------------------------------------------------------------------------
// Burn rate and projected exhaustion.

export interface UsageSample {
  /** Milliseconds since the epoch. */
  at: number;
  amount: number;
}

/**
 * Burn rate in units per millisecond over the last `windowMs` before `now`
 * (or since the first sample, if the samples are younger). Null without
 * enough to go on.
 */
export function burnRate(
  samples: readonly UsageSample[],
  now: number,
  windowMs: number,
  since?: number,
): number | null {
  const start = Math.max(now - windowMs, since ?? Number.NEGATIVE_INFINITY);
  let sum = 0;
  let first = Number.POSITIVE_INFINITY;
  for (const s of samples) {
    if (s.at < start || s.at > now) continue;
    sum += s.amount;
    first = Math.min(first, s.at);
  }
  const from = Number.isFinite(start) ? start : first;
  const elapsed = now - from;
  if (sum <= 0 || !Number.isFinite(elapsed) || elapsed <= 0) return null;
  return sum / elapsed;
}

/**
 * When the hard limit will be reached at `ratePerMs`: milliseconds from now
 * (0 if it already is), or null when there is no limit or no burn.
 */
export function projectExhaustion(input: {
  used: number;
  reserved?: number;
  hard: number | undefined;
  ratePerMs: number | null;
}): number | null {
  if (input.hard === undefined) return null;
  const left = input.hard - input.used - (input.reserved ?? 0);
  if (left <= 0) return 0;
  if (!input.ratePerMs || input.ratePerMs <= 0) return null;
  return Math.ceil(left / input.ratePerMs);
}

/** The metrics (among those with limits) in the order people read them. */
export function limitedMetrics(limits: BudgetLimits): BudgetMetric[] {
  return (['usd', 'tokens', 'llmCalls', 'toolCalls', 'turns', 'wallMs'] as const).filter(
    (m) => limits[m] !== undefined,
  );
}
