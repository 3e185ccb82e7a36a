import { z } from 'zod';

/**
 * The scopes a budget applies to. A call is covered by its agent's slice and
 * the slices of its ancestors in the spawn tree (when they were given one),
 * the run, the team's UTC day and month, and the global UTC day and month.
 * The scopes of one run (run and agents) are its "run tree"; team and global
 * periods are shared by many runs.
 */
export const BUDGET_PERIODS = ['day', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export const BudgetPeriod = z.enum(BUDGET_PERIODS);

/** `2026-11-23` for a day, `2026-11` for a month (UTC). */
const Window = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/);

export const BudgetScope = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('run') }).strict(),
  z.object({ kind: z.literal('agent'), agentId: z.string().min(1).max(200) }).strict(),
  z
    .object({
      kind: z.literal('team'),
      teamId: z.string().min(1).max(200),
      period: BudgetPeriod,
      window: Window,
    })
    .strict(),
  z.object({ kind: z.literal('global'), period: BudgetPeriod, window: Window }).strict(),
]);
export type BudgetScope = z.infer<typeof BudgetScope>;

export interface PeriodWindow {
  period: BudgetPeriod;
  /** `2026-11-23` or `2026-11`. */
  window: string;
  /** Inclusive start, exclusive end (ISO instants, UTC). */
  from: string;
  to: string;
}

/** The UTC day or month that contains `at`. */
export function periodWindow(period: BudgetPeriod, at: string | number | Date): PeriodWindow {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const pad = (n: number) => String(n).padStart(2, '0');
  if (period === 'day') {
    const day = d.getUTCDate();
    return {
      period,
      window: `${y}-${pad(m + 1)}-${pad(day)}`,
      from: new Date(Date.UTC(y, m, day)).toISOString(),
      to: new Date(Date.UTC(y, m, day + 1)).toISOString(),
    };
  }
  return {
    period,
    window: `${y}-${pad(m + 1)}`,
    from: new Date(Date.UTC(y, m, 1)).toISOString(),
    to: new Date(Date.UTC(y, m + 1, 1)).toISOString(),
  };
}

/** Whether a scope belongs to one run (its counters can be rebuilt from that run's log alone). */
export const isRunTreeScope = (scope: BudgetScope): boolean =>
  scope.kind === 'run' || scope.kind === 'agent';

/**
 * A scope's identity within its run's context (run-tree scopes) or across
 * runs (team, global): the suffix of its Redis key, and a stable id for
 * "warned once" bookkeeping.
 */
export function scopeId(runId: string, scope: BudgetScope): string {
  switch (scope.kind) {
    case 'run':
      return `run:${runId}`;
    case 'agent':
      return `agent:${runId}:${scope.agentId}`;
    case 'team':
      return `team:${scope.teamId}:${scope.period === 'day' ? 'd' : 'm'}:${scope.window}`;
    case 'global':
      return `global:${scope.period === 'day' ? 'd' : 'm'}:${scope.window}`;
  }
}

/** The same scope, as the reducer and the browser name it within one run. */
export function scopeKeyInRun(scope: BudgetScope): string {
  switch (scope.kind) {
    case 'run':
      return 'run';
    case 'agent':
      return `agent:${scope.agentId}`;
    case 'team':
      return `team:${scope.period}:${scope.window}`;
    case 'global':
      return `global:${scope.period}:${scope.window}`;
  }
}

/** How long a scope's counters are worth keeping in Redis after `at`: a period until it is over (plus a day), a run tree for a while. */
export function scopeTtlMs(scope: BudgetScope, at: number): number {
  const DAY = 24 * 3600 * 1000;
  if (scope.kind === 'team' || scope.kind === 'global') {
    const end = Date.parse(periodWindow(scope.period, at).to);
    return Math.max(end - at, 0) + DAY;
  }
  return 14 * DAY;
}

/**
 * The scopes covering a call by `agentId` at `at`, narrowest first: the
 * agent's own slice and its ancestors' (only agents that were handed one),
 * the run, the team's day and month, the global day and month.
 */
export function coveringScopes(
  tree: {
    teamId: string | null;
    agents: Readonly<Record<string, { parentId: string | null }>>;
    slices: Readonly<Record<string, unknown>>;
  },
  agentId: string | null,
  at: string | number | Date,
): BudgetScope[] {
  const scopes: BudgetScope[] = [];
  const seen = new Set<string>();
  for (let id = agentId; id && !seen.has(id); id = tree.agents[id]?.parentId ?? null) {
    seen.add(id);
    if (tree.slices[id]) scopes.push({ kind: 'agent', agentId: id });
  }
  scopes.push({ kind: 'run' });
  for (const period of BUDGET_PERIODS) {
    const { window } = periodWindow(period, at);
    if (tree.teamId) scopes.push({ kind: 'team', teamId: tree.teamId, period, window });
  }
  for (const period of BUDGET_PERIODS)
    scopes.push({ kind: 'global', period, window: periodWindow(period, at).window });
  return scopes;
}

/** A scope in a few words, for reasons and banners. */
export function describeScope(
  scope: BudgetScope,
  agentName?: (id: string) => string | undefined,
): string {
  switch (scope.kind) {
    case 'run':
      return 'the run';
    case 'agent':
      return `${agentName?.(scope.agentId) ?? 'an agent'}'s slice`;
    case 'team':
      return `the team's ${scope.period === 'day' ? 'day' : 'month'} (${scope.window})`;
    case 'global':
      return `the global ${scope.period === 'day' ? 'day' : 'month'} (${scope.window})`;
  }
}
