import type { RunEvent } from '../events/schema';
import type { RunState } from '../events/reducer';
import { usageOfEvent } from './amounts';
import { burnRate, projectExhaustion, type ScopeCounters, type UsageSample } from './checks';
import { amountOf, type BudgetMetric, COUNTER_METRICS, type CounterMetric } from './limits';
import { type BudgetScope, describeScope } from './scopes';
import { activeWallMs, runTreeCounters, subtreeOf } from './state';

/**
 * What a person reads off a budget: per scope and metric, used and reserved
 * against the soft and hard limits, and when the hard limit will be reached
 * at the current burn rate. The run page computes the run's own gauges live
 * from the log with these; the API serves the same shape for every scope.
 */

export interface BudgetGauge {
  metric: BudgetMetric;
  soft: number | null;
  hard: number | null;
  used: number;
  reserved: number;
  /** Units per minute over the recent window; null when idle or unknown. */
  perMinute: number | null;
  /** Milliseconds until the hard limit at that rate: 0 when reached, null when unlimited or idle. */
  exhaustsInMs: number | null;
}

export interface ScopeStatus {
  scope: BudgetScope;
  label: string;
  gauges: BudgetGauge[];
}

/** The window burn rates are measured over. */
export const BURN_WINDOW_MS = 5 * 60 * 1000;

export function gaugesOf(
  counters: ScopeCounters,
  rates: Partial<Record<BudgetMetric, number | null>>,
): BudgetGauge[] {
  return COUNTER_METRICS.map((metric): BudgetGauge => {
    const limit = counters.limits[metric];
    const used = amountOf(counters.used, metric);
    const reserved = amountOf(counters.reserved, metric);
    const rate = rates[metric] ?? null;
    return {
      metric,
      soft: limit?.soft ?? null,
      hard: limit?.hard ?? null,
      used,
      reserved,
      perMinute: rate === null ? null : rate * 60_000,
      exhaustsInMs: projectExhaustion({ used, reserved, hard: limit?.hard, ratePerMs: rate }),
    };
  });
}

/** The usage of each event of the log (or of some agents'), by metric, as samples for burn rates. */
export function usageSamples(
  events: readonly RunEvent[],
  count = events.length,
  agentIds?: ReadonlySet<string>,
): Record<CounterMetric, UsageSample[]> {
  const samples: Record<CounterMetric, UsageSample[]> = {
    usd: [],
    tokens: [],
    llmCalls: [],
    toolCalls: [],
    turns: [],
  };
  for (let i = 0; i < count; i++) {
    const event = events[i];
    if (!event) continue;
    if (agentIds && (!event.agentId || !agentIds.has(event.agentId))) continue;
    const usage = usageOfEvent(event);
    if (!usage) continue;
    const at = Date.parse(event.at);
    for (const metric of COUNTER_METRICS) {
      const amount = usage[metric];
      if (amount) samples[metric].push({ at, amount });
    }
  }
  return samples;
}

/**
 * The run's own scopes (the run, each agent's slice) as its log has them,
 * with burn rates over the last few minutes while it runs, and the wall-time
 * gauge on the run. `now` is the clock the wall time and rates are read at.
 */
export function runTreeStatus(
  state: RunState,
  events: readonly RunEvent[],
  now: number,
  count = events.length,
): ScopeStatus[] {
  const running = state.status === 'running';
  const since = state.startedAt ? Date.parse(state.startedAt) : undefined;
  const name = (id: string) => state.agents[id]?.name;
  return runTreeCounters(state).map((counters) => {
    const agentIds =
      counters.scope.kind === 'agent'
        ? new Set(subtreeOf(state, counters.scope.agentId).map((a) => a.id))
        : undefined;
    const samples = usageSamples(events, count, agentIds);
    const rates: Partial<Record<BudgetMetric, number | null>> = {};
    if (running)
      for (const metric of COUNTER_METRICS)
        rates[metric] = burnRate(samples[metric], now, BURN_WINDOW_MS, since);
    const gauges = gaugesOf(counters, rates);
    if (counters.scope.kind === 'run') {
      const wall = state.budget.limits.wallMs;
      const used = activeWallMs(state.budget, now);
      gauges.push({
        metric: 'wallMs',
        soft: wall?.soft ?? null,
        hard: wall?.hard ?? null,
        used,
        reserved: 0,
        perMinute: running ? 60_000 : null,
        exhaustsInMs:
          wall?.hard === undefined
            ? null
            : running || used >= wall.hard
              ? Math.max(0, wall.hard - used)
              : null,
      });
    }
    return { scope: counters.scope, label: describeScope(counters.scope, name), gauges };
  });
}

/** Burn rate of a period scope from its usage so far: the average since the period began. */
export function periodRates(
  counters: ScopeCounters,
  periodFrom: number,
  now: number,
): Partial<Record<BudgetMetric, number | null>> {
  const elapsed = now - periodFrom;
  const rates: Partial<Record<BudgetMetric, number | null>> = {};
  for (const metric of COUNTER_METRICS) {
    const used = amountOf(counters.used, metric);
    rates[metric] = elapsed > 0 && used > 0 ? used / elapsed : null;
  }
  return rates;
}
