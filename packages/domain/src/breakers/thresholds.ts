import { z } from 'zod';

/**
 * Circuit breakers: what trips them, declared once. Every breaker counts
 * across the whole run (every agent, every tool), never per tool: a breaker a
 * looping agent can evade by switching tools is no breaker.
 *
 * The thresholds a run is held to are recorded in its log
 * (`breaker.thresholds.changed`): the built-in defaults below, overridden by
 * the team's defaults, then by the manifest's `breakers:` section, then by
 * changes made to the running run.
 */

export const BREAKER_KINDS = [
  'consecutiveErrors',
  'windowedErrors',
  'repeatedCall',
  'cycle',
  'noProgress',
  'bounce',
  'costVelocity',
  'spawnFailures',
  'provider',
] as const;
export const BreakerKind = z.enum(BREAKER_KINDS);
export type BreakerKind = z.infer<typeof BreakerKind>;

/** Breakers detected from the run's own log (the provider breaker is shared across runs, in Redis). */
export const RUN_BREAKER_KINDS = BREAKER_KINDS.filter(
  (k): k is Exclude<BreakerKind, 'provider'> => k !== 'provider',
);
export type RunBreakerKind = (typeof RUN_BREAKER_KINDS)[number];

/** How many recent calls (and turns, costs …) a run's breakers remember: windows cannot be longer. */
export const BREAKER_MEMORY = 256;

const count = (min: number, max: number) => z.number().int().min(min).max(max);

/** Each breaker's parameters (besides `enabled`), with what they mean. */
const FIELDS = {
  /** Failed calls in a row (model or tool, any agent): a success resets the count. */
  consecutiveErrors: { max: count(1, 200) },
  /** Failed calls among the run's last `window` calls. */
  windowedErrors: { max: count(1, 200), window: count(1, 200) },
  /** The same call (tool and arguments) made again, by any agent, among the run's last `window` tool calls. */
  repeatedCall: { max: count(2, 200), window: count(2, BREAKER_MEMORY) },
  /** A cycle of 2 to `maxPeriod` different calls, repeated `repeats` times in a row (by one agent or by the team). */
  cycle: { repeats: count(2, 10), maxPeriod: count(2, 8) },
  /** Team turns in a row without progress (a new call, a new result, a new file content, a new agent or a report). */
  noProgress: { turns: count(1, 200) },
  /** The same exchange between two agents (a delegation and its report, a file handed back and forth) this many times. */
  bounce: { max: count(2, 50) },
  /** Spend in US dollars per minute, over the last `windowSeconds`. */
  costVelocity: {
    maxUsdPerMinute: z.number().positive().max(100_000),
    windowSeconds: count(10, 3600),
  },
  /** Failed spawns (delegations refused, subagents that failed) among the run's last `window` spawns. */
  spawnFailures: { max: count(1, 64), window: count(1, 64) },
  /** Model calls failing in a row at one provider (every run counts): it opens for `cooldownSeconds`, then one probe. */
  provider: { failures: count(1, 100), cooldownSeconds: count(1, 3600) },
} as const;

type Fields = typeof FIELDS;
type PartialShape<K extends BreakerKind> = {
  enabled: z.ZodOptional<z.ZodBoolean>;
} & { [F in keyof Fields[K]]: z.ZodOptional<Fields[K][F] & z.ZodType> };

function full<K extends BreakerKind>(kind: K) {
  return z.object({ enabled: z.boolean(), ...FIELDS[kind] }).strict();
}

function partial<K extends BreakerKind>(kind: K) {
  const fields = Object.fromEntries(
    Object.entries(FIELDS[kind]).map(([name, schema]) => [name, (schema as z.ZodType).optional()]),
  );
  return z.object({ enabled: z.boolean().optional(), ...fields } as PartialShape<K>).strict();
}

export const BreakerThresholds = z
  .object({
    consecutiveErrors: full('consecutiveErrors'),
    windowedErrors: full('windowedErrors'),
    repeatedCall: full('repeatedCall'),
    cycle: full('cycle'),
    noProgress: full('noProgress'),
    bounce: full('bounce'),
    costVelocity: full('costVelocity'),
    spawnFailures: full('spawnFailures'),
    provider: full('provider'),
  })
  .strict();
export type BreakerThresholds = z.infer<typeof BreakerThresholds>;

/** Some thresholds, over others: the manifest's `breakers:` section, a team's defaults, a change to a run. */
export const BreakerOverrides = z
  .object({
    consecutiveErrors: partial('consecutiveErrors').optional(),
    windowedErrors: partial('windowedErrors').optional(),
    repeatedCall: partial('repeatedCall').optional(),
    cycle: partial('cycle').optional(),
    noProgress: partial('noProgress').optional(),
    bounce: partial('bounce').optional(),
    costVelocity: partial('costVelocity').optional(),
    spawnFailures: partial('spawnFailures').optional(),
    provider: partial('provider').optional(),
  })
  .strict();
export type BreakerOverrides = z.infer<typeof BreakerOverrides>;

/** Sensible defaults: a runaway stops within a few calls; a long healthy run of varied calls never trips. */
export const DEFAULT_BREAKER_THRESHOLDS: BreakerThresholds = Object.freeze({
  consecutiveErrors: { enabled: true, max: 6 },
  windowedErrors: { enabled: true, max: 10, window: 20 },
  repeatedCall: { enabled: true, max: 5, window: 50 },
  cycle: { enabled: true, repeats: 3, maxPeriod: 4 },
  noProgress: { enabled: true, turns: 20 },
  bounce: { enabled: true, max: 3 },
  costVelocity: { enabled: true, maxUsdPerMinute: 5, windowSeconds: 60 },
  spawnFailures: { enabled: true, max: 3, window: 10 },
  provider: { enabled: true, failures: 5, cooldownSeconds: 30 },
});

/** `base` with `overrides` laid over it, breaker by breaker and field by field. */
export function mergeThresholds(
  base: BreakerThresholds,
  ...layers: ReadonlyArray<BreakerOverrides | null | undefined>
): BreakerThresholds {
  const out = structuredClone(base) as Record<BreakerKind, Record<string, unknown>>;
  for (const layer of layers) {
    if (!layer) continue;
    for (const kind of BREAKER_KINDS) {
      const patch = layer[kind] as Record<string, unknown> | undefined;
      if (!patch) continue;
      for (const [field, value] of Object.entries(patch))
        if (value !== undefined) out[kind][field] = value;
    }
  }
  return BreakerThresholds.parse(out);
}

/** What a person reads for each breaker. */
export const BREAKER_LABELS: Record<BreakerKind, { title: string; description: string }> = {
  consecutiveErrors: {
    title: 'Consecutive errors',
    description: 'Failed calls in a row, model or tool, across every agent.',
  },
  windowedErrors: {
    title: 'Errors in window',
    description: 'Failed calls among the run’s most recent calls.',
  },
  repeatedCall: {
    title: 'Repeated call',
    description: 'The same tool with the same arguments made again, by any agent.',
  },
  cycle: {
    title: 'Loop',
    description: 'A cycle of a few different calls repeated in a row, whatever the tools.',
  },
  noProgress: {
    title: 'No progress',
    description: 'Team turns in a row with no new call, result, file content, agent or report.',
  },
  bounce: {
    title: 'Bouncing exchange',
    description: 'Two agents passing the same exchange back and forth.',
  },
  costVelocity: { title: 'Cost velocity', description: 'Spend per minute over a recent window.' },
  spawnFailures: {
    title: 'Failed spawns',
    description: 'Delegations refused or subagents failing among recent spawns.',
  },
  provider: {
    title: 'Model provider',
    description:
      'Model calls failing in a row at a provider, across every run: open, then one probe after a cool-down.',
  },
};

/** The key a breaker is known by in a run: its kind, or `provider:<id>` for a provider's. */
export function breakerKey(kind: BreakerKind, provider?: string): string {
  return kind === 'provider' ? `provider:${provider ?? 'unknown'}` : kind;
}
