import { getTeam, saveGlobalBudget, saveTeamBudget, type PeriodBudgetRecord } from '@flightdeck/db';
import {
  type Actor,
  BUDGET_PERIODS,
  type BudgetLimits,
  type BudgetScope,
  DomainError,
  isTerminalRunStatus,
  type PeriodBudgets,
  periodWindow,
  scopeId,
  scopeTtlMs,
} from '@flightdeck/domain';
import { budgetScopeKey, writeBudgetLimits } from '../../coordination/budget-reservations';
import type { Engine } from '../../engine';
import { controlDraft, record, requireRun } from '../control/run-control-context';

/**
 * Changing budgets. A run's budget is changed by an event (`budget.changed`,
 * audited in its append), a team's or the global by a new version in
 * PostgreSQL (audited in its transaction). Either way the new limits are then
 * written to the Redis counters, so the next gated call is held to them.
 */

/** Set a running (or paused) run's budget. Raising it does not resume a run its budget stopped: resume it too. */
export async function setRunBudget(
  engine: Engine,
  input: { runId: string; limits: BudgetLimits; reason: string; by: Actor },
): Promise<{ version: number; limits: BudgetLimits }> {
  const state = await requireRun(engine, input.runId);
  if (isTerminalRunStatus(state.status))
    throw new DomainError('CONFLICT', `The run is ${state.status}: its budget no longer matters.`);
  const reason = input.reason.trim();
  const [event] = await record(
    engine,
    input.runId,
    [
      controlDraft(state, 'budget.changed', {
        by: input.by,
        scope: { kind: 'run' },
        limits: input.limits,
        previous: state.budget.limits,
        reason,
      }),
    ],
    {
      actor: input.by,
      action: 'budget.changed',
      target: { runId: input.runId, ...(state.teamId ? { teamId: state.teamId } : {}) },
      detail: { scope: 'run', limits: input.limits, reason },
    },
  );
  const version = event?.seq ?? 0;
  const now = Date.now();
  const scope: BudgetScope = { kind: 'run' };
  await writeBudgetLimits(engine.redis, [
    {
      key: budgetScopeKey(engine.config.queuePrefix, scopeId(input.runId, scope)),
      ttlMs: scopeTtlMs(scope, now),
      version,
      limits: input.limits,
    },
  ]);
  return { version, limits: input.limits };
}

async function writePeriodLimits(
  engine: Engine,
  teamId: string | null,
  record: PeriodBudgetRecord,
): Promise<void> {
  const now = Date.now();
  await writeBudgetLimits(
    engine.redis,
    BUDGET_PERIODS.map((period) => {
      const window = periodWindow(period, now).window;
      const scope: BudgetScope = teamId
        ? { kind: 'team', teamId, period, window }
        : { kind: 'global', period, window };
      return {
        key: budgetScopeKey(engine.config.queuePrefix, scopeId('', scope)),
        ttlMs: scopeTtlMs(scope, now),
        version: record.version,
        limits: record[period],
      };
    }),
  );
}

/** Set a team's budgets per day and month: a new audited version, in force from the next gated call. */
export async function setTeamBudget(
  engine: Engine,
  input: { teamId: string; budgets: PeriodBudgets; by: Actor },
): Promise<PeriodBudgetRecord> {
  const team = await getTeam(engine.db, { id: input.teamId });
  if (!team) throw new DomainError('NOT_FOUND', `No team ${input.teamId}`);
  const saved = await saveTeamBudget(engine.db, {
    teamId: input.teamId,
    budgets: input.budgets,
    by: input.by.id,
    audit: {
      actor: input.by,
      action: 'budget.changed',
      target: { teamId: input.teamId },
      detail: { scope: 'team', team: team.slug },
    },
  });
  await writePeriodLimits(engine, input.teamId, saved);
  return saved;
}

/** Set the global budgets (every team together) per day and month. */
export async function setGlobalBudget(
  engine: Engine,
  input: { budgets: PeriodBudgets; by: Actor },
): Promise<PeriodBudgetRecord> {
  const saved = await saveGlobalBudget(engine.db, {
    budgets: input.budgets,
    by: input.by.id,
    audit: { actor: input.by, action: 'budget.changed', target: {}, detail: { scope: 'global' } },
  });
  await writePeriodLimits(engine, null, saved);
  return saved;
}
