import { getGlobalBudget, getTeamBudget, periodUsage, readAllEvents } from '@flightdeck/db';
import {
  BUDGET_PERIODS,
  type BudgetLimits,
  type BudgetScope,
  type BudgetStop,
  describeScope,
  DomainError,
  gaugesOf,
  periodRates,
  periodWindow,
  reduceEvents,
  type RunStatus,
  runTreeStatus,
  type ScopeCounters,
  scopeId,
  type ScopeStatus,
} from '@flightdeck/domain';
import { budgetScopeKey, readBudgetCounters } from '../../coordination/budget-reservations';
import type { Engine } from '../../engine';

/**
 * Budget status for people: limits, used, reserved and projected exhaustion,
 * per scope. Run-tree scopes are read from the run's log; team and global
 * periods from Redis (what the gate holds them to), or from PostgreSQL when
 * Redis has no counters for the period yet.
 */

async function periodStatus(
  engine: Engine,
  teamId: string | null,
  now: number,
): Promise<ScopeStatus[]> {
  const budget = teamId ? await getTeamBudget(engine.db, teamId) : await getGlobalBudget(engine.db);
  const windows = BUDGET_PERIODS.map((period) => periodWindow(period, now));
  const scopes: BudgetScope[] = windows.map((w) =>
    teamId
      ? { kind: 'team', teamId, period: w.period, window: w.window }
      : { kind: 'global', period: w.period, window: w.window },
  );
  const stored = await readBudgetCounters(
    engine.redis,
    scopes.map((s) => budgetScopeKey(engine.config.queuePrefix, scopeId('', s))),
  );
  return Promise.all(
    scopes.map(async (scope, i) => {
      const window = windows[i]!;
      const counters: ScopeCounters = stored[i]?.initialized
        ? {
            scope,
            limits: budget[window.period],
            used: stored[i].used,
            reserved: stored[i].reserved,
          }
        : {
            scope,
            limits: budget[window.period],
            used: (await periodUsage(engine.db, { teamId, from: window.from, to: window.to })).used,
            reserved: {},
          };
      return {
        scope,
        label: describeScope(scope),
        gauges: gaugesOf(counters, periodRates(counters, Date.parse(window.from), now)),
      };
    }),
  );
}

export interface TeamBudgetStatus {
  teamId: string;
  budgets: { day: BudgetLimits; month: BudgetLimits };
  version: number;
  updatedBy: string | null;
  updatedAt: string | null;
  /** The team's day and month, then the global day and month. */
  scopes: ScopeStatus[];
  global: { day: BudgetLimits; month: BudgetLimits; version: number };
}

export async function teamBudgetStatus(engine: Engine, teamId: string): Promise<TeamBudgetStatus> {
  const now = Date.now();
  const [budget, global, team, everyone] = await Promise.all([
    getTeamBudget(engine.db, teamId),
    getGlobalBudget(engine.db),
    periodStatus(engine, teamId, now),
    periodStatus(engine, null, now),
  ]);
  return {
    teamId,
    budgets: { day: budget.day, month: budget.month },
    version: budget.version,
    updatedBy: budget.updatedBy,
    updatedAt: budget.updatedAt,
    scopes: [...team, ...everyone],
    global: { day: global.day, month: global.month, version: global.version },
  };
}

export interface RunBudgetStatus {
  runId: string;
  status: RunStatus;
  /** The run's limits in force, and the seq of the change that set them (0: the manifest's). */
  limits: BudgetLimits;
  version: number;
  /** The refusal that stopped the run, until it is resumed. */
  stop: BudgetStop | null;
  /** The run, each agent's slice, the team's day and month, the global day and month. */
  scopes: ScopeStatus[];
  at: string;
}

export async function runBudgetStatus(engine: Engine, runId: string): Promise<RunBudgetStatus> {
  const events = await readAllEvents(engine.db, runId);
  const state = reduceEvents(events);
  if (!state.runId) throw new DomainError('NOT_FOUND', `No run ${runId}.`);
  const now = Date.now();
  const [team, everyone] = await Promise.all([
    state.teamId ? periodStatus(engine, state.teamId, now) : Promise.resolve([]),
    periodStatus(engine, null, now),
  ]);
  return {
    runId,
    status: state.status,
    limits: state.budget.limits,
    version: state.budget.version,
    stop: state.budget.stop,
    scopes: [...runTreeStatus(state, events, now), ...team, ...everyone],
    at: new Date(now).toISOString(),
  };
}
