import { z } from 'zod';

/**
 * Budget limits. Six metrics: dollars (kept in integer micro-dollars, as every
 * cost is), tokens (input + output), model calls, tool calls, turns and wall
 * time (milliseconds the run has been running, pauses excluded). Each may have
 * a soft limit (warn once when crossed) and a hard limit (no call may take the
 * scope past it). Manifests and forms speak people's units (`usd`,
 * `wallSeconds`); everything past the schema speaks these.
 */
export const BUDGET_METRICS = [
  'usd',
  'tokens',
  'llmCalls',
  'toolCalls',
  'turns',
  'wallMs',
] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];
export const BudgetMetric = z.enum(BUDGET_METRICS);

/** The metrics reserved before a call and counted in Redis (wall time is a clock, checked at the gate). */
export const COUNTER_METRICS = ['usd', 'tokens', 'llmCalls', 'toolCalls', 'turns'] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];
export const CounterMetric = z.enum(COUNTER_METRICS);

const Amount = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A soft and/or hard limit in the metric's unit (micro-dollars for usd, ms for wallMs). */
export const MetricLimit = z
  .object({ soft: Amount.optional(), hard: Amount.optional() })
  .strict()
  .refine(
    (l) => l.soft === undefined || l.hard === undefined || l.soft <= l.hard,
    'the soft limit must not exceed the hard limit',
  );
export type MetricLimit = z.infer<typeof MetricLimit>;

/** Limits of one scope, by metric; a metric without an entry is unlimited. */
export const BudgetLimits = z
  .object({
    usd: MetricLimit.optional(),
    tokens: MetricLimit.optional(),
    llmCalls: MetricLimit.optional(),
    toolCalls: MetricLimit.optional(),
    turns: MetricLimit.optional(),
    wallMs: MetricLimit.optional(),
  })
  .strict();
export type BudgetLimits = z.infer<typeof BudgetLimits>;

/** Amounts per counter metric (a reservation, a usage, a remainder); a missing metric is 0. */
export const BudgetAmounts = z
  .object({
    usd: Amount.optional(),
    tokens: Amount.optional(),
    llmCalls: Amount.optional(),
    toolCalls: Amount.optional(),
    turns: Amount.optional(),
  })
  .strict();
export type BudgetAmounts = z.infer<typeof BudgetAmounts>;

export const MICRO_USD_PER_USD = 1_000_000;

// ---------------------------------------------------------------------------
// People's units: what manifests, forms and the API take.

const Dollars = z.number().nonnegative().max(1_000_000_000);
const Count = z.number().int().nonnegative().max(1_000_000_000_000);
const Seconds = z
  .number()
  .int()
  .nonnegative()
  .max(366 * 24 * 3600);

/** `usd: 2` is a hard limit of $2; `usd: { soft: 1, hard: 2 }` warns at $1 and stops at $2. */
function humanLimit<T extends z.ZodNumber>(value: T) {
  return z.union([
    value,
    z
      .object({ soft: value.optional(), hard: value.optional() })
      .strict()
      .refine(
        (l) => l.soft === undefined || l.hard === undefined || l.soft <= l.hard,
        'the soft limit must not exceed the hard limit',
      ),
  ]);
}

const HumanDollars = humanLimit(Dollars);
const HumanCount = humanLimit(Count);

const toLimit = (
  value: number | { soft?: number; hard?: number } | undefined,
  scale: (n: number) => number,
): MetricLimit | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return { hard: scale(value) };
  const limit: MetricLimit = {};
  if (value.soft !== undefined) limit.soft = scale(value.soft);
  if (value.hard !== undefined) limit.hard = scale(value.hard);
  return limit.soft === undefined && limit.hard === undefined ? undefined : limit;
};

const usdToMicro = (usd: number) => Math.round(usd * MICRO_USD_PER_USD);
const same = (n: number) => n;

const HumanBudgetShape = {
  /** Dollars. */
  usd: HumanDollars.optional(),
  /** Input + output tokens. */
  tokens: HumanCount.optional(),
  llmCalls: HumanCount.optional(),
  toolCalls: HumanCount.optional(),
  turns: HumanCount.optional(),
};

function compact(limits: BudgetLimits): BudgetLimits {
  const out: BudgetLimits = {};
  for (const metric of BUDGET_METRICS) {
    const limit = limits[metric];
    if (limit) out[metric] = limit;
  }
  return out;
}

/**
 * A budget in people's units, as written: a manifest's `budget:` section, the
 * run budget form. It parses to itself (manifests are stored parsed and
 * parsed again when read); `toBudgetLimits` turns it into `BudgetLimits`.
 */
export const HumanBudget = z
  .object({
    ...HumanBudgetShape,
    /** Seconds the run may be running (pauses excluded). */
    wallSeconds: humanLimit(Seconds).optional(),
  })
  .strict();
export type HumanBudget = z.infer<typeof HumanBudget>;

/** People's units to micro-dollars and milliseconds. */
export function toBudgetLimits(b: HumanBudget): BudgetLimits {
  return compact({
    usd: toLimit(b.usd, usdToMicro),
    tokens: toLimit(b.tokens, same),
    llmCalls: toLimit(b.llmCalls, same),
    toolCalls: toLimit(b.toolCalls, same),
    turns: toLimit(b.turns, same),
    wallMs: toLimit(b.wallSeconds, (s) => s * 1000),
  });
}

/** A budget in people's units, parsed into limits (forms, the API). */
export const BudgetInput = HumanBudget.transform(toBudgetLimits).pipe(BudgetLimits);
export type BudgetInput = z.input<typeof BudgetInput>;

/** Counter limits only (team and global periods, where wall time means nothing). */
export const CounterBudgetInput = z
  .object(HumanBudgetShape)
  .strict()
  .transform((b) => toBudgetLimits(b))
  .pipe(BudgetLimits);

/** A team's (or the global) budget: limits per UTC day and per UTC month. */
export const PeriodBudgets = z
  .object({ day: BudgetLimits.default({}), month: BudgetLimits.default({}) })
  .strict();
export type PeriodBudgets = z.infer<typeof PeriodBudgets>;

export const PeriodBudgetsInput = z
  .object({ day: CounterBudgetInput.default({}), month: CounterBudgetInput.default({}) })
  .strict();
export type PeriodBudgetsInput = z.input<typeof PeriodBudgetsInput>;

/**
 * The slice of its budget a parent hands a subagent through the delegate
 * call (`budget` argument): hard caps, in people's units. It can only narrow:
 * never more than the parent's remaining.
 */
export const DelegateBudget = z
  .object({
    usd: Dollars.optional().describe('at most this many dollars'),
    tokens: Count.optional().describe('at most this many tokens (input + output)'),
    llmCalls: Count.optional().describe('at most this many model calls'),
    toolCalls: Count.optional().describe('at most this many tool calls'),
    turns: Count.optional().describe('at most this many turns'),
  })
  .strict();
export type DelegateBudget = z.infer<typeof DelegateBudget>;

export function sliceFromDelegate(budget: DelegateBudget): BudgetLimits {
  return compact({
    usd: budget.usd === undefined ? undefined : { hard: usdToMicro(budget.usd) },
    tokens: budget.tokens === undefined ? undefined : { hard: budget.tokens },
    llmCalls: budget.llmCalls === undefined ? undefined : { hard: budget.llmCalls },
    toolCalls: budget.toolCalls === undefined ? undefined : { hard: budget.toolCalls },
    turns: budget.turns === undefined ? undefined : { hard: budget.turns },
  });
}

/** Back to people's units (forms show what was set). */
export function limitsToInput(limits: BudgetLimits): z.input<typeof BudgetInput> {
  const out: Record<string, { soft?: number; hard?: number }> = {};
  for (const metric of BUDGET_METRICS) {
    const limit = limits[metric];
    if (!limit) continue;
    const scale =
      metric === 'usd'
        ? (n: number) => n / MICRO_USD_PER_USD
        : metric === 'wallMs'
          ? (n: number) => n / 1000
          : same;
    const key = metric === 'wallMs' ? 'wallSeconds' : metric;
    out[key] = {
      ...(limit.soft !== undefined ? { soft: scale(limit.soft) } : {}),
      ...(limit.hard !== undefined ? { hard: scale(limit.hard) } : {}),
    };
  }
  return out;
}

export const hasLimits = (limits: BudgetLimits | null | undefined): boolean =>
  !!limits && BUDGET_METRICS.some((m) => limits[m] !== undefined);

export const amountOf = (amounts: BudgetAmounts, metric: CounterMetric): number =>
  amounts[metric] ?? 0;

export function addAmounts(a: BudgetAmounts, b: BudgetAmounts): BudgetAmounts {
  const out: BudgetAmounts = {};
  for (const metric of COUNTER_METRICS) {
    const sum = amountOf(a, metric) + amountOf(b, metric);
    if (sum !== 0) out[metric] = sum;
  }
  return out;
}

const METRIC_NAMES: Record<BudgetMetric, string> = {
  usd: 'spend',
  tokens: 'tokens',
  llmCalls: 'model calls',
  toolCalls: 'tool calls',
  turns: 'turns',
  wallMs: 'wall time',
};

const SINGULAR: Record<BudgetMetric, string> = {
  usd: 'spend',
  tokens: 'token',
  llmCalls: 'model call',
  toolCalls: 'tool call',
  turns: 'turn',
  wallMs: 'wall time',
};

export const metricName = (metric: BudgetMetric): string => METRIC_NAMES[metric];

/** An amount of a metric for people: `$1.25`, `12,400 tokens`, `3 model calls`, `4m 10s`. */
export function formatBudgetAmount(metric: BudgetMetric, amount: number): string {
  switch (metric) {
    case 'usd': {
      const usd = amount / MICRO_USD_PER_USD;
      if (usd === 0) return '$0.00';
      if (usd < 0.01) return `$${usd.toFixed(4)}`;
      return `$${usd.toFixed(2)}`;
    }
    case 'wallMs': {
      const s = Math.round(amount / 1000);
      if (s < 60) return `${s}s`;
      const m = Math.floor(s / 60);
      if (m < 60) return `${m}m ${s % 60}s`;
      return `${Math.floor(m / 60)}h ${m % 60}m`;
    }
    default:
      return `${amount.toLocaleString('en-US')} ${amount === 1 ? SINGULAR[metric] : METRIC_NAMES[metric]}`;
  }
}

/** Limits in a few words: `spend ≤ $1.00 (warn at $0.50), model calls ≤ 20`; `no limits` when empty. */
export function describeLimits(limits: BudgetLimits): string {
  const parts = BUDGET_METRICS.flatMap((metric) => {
    const limit = limits[metric];
    if (!limit) return [];
    const f = (n: number) => formatBudgetAmount(metric, n);
    const name = METRIC_NAMES[metric];
    const hard = limit.hard !== undefined ? `${name} ≤ ${f(limit.hard)}` : name;
    const soft = limit.soft !== undefined ? ` (warn at ${f(limit.soft)})` : '';
    return [`${hard}${soft}`];
  });
  return parts.length ? parts.join(', ') : 'no limits';
}

/** Amounts in a few words: `$0.0012, 2,048 tokens, 1 model calls`. */
export function describeAmounts(amounts: BudgetAmounts): string {
  const parts = COUNTER_METRICS.flatMap((metric) => {
    const amount = amounts[metric];
    return amount ? [formatBudgetAmount(metric, amount)] : [];
  });
  return parts.length ? parts.join(', ') : 'nothing';
}
