import { getGlobalBudget, getTeamBudget, periodUsage } from '@flightdeck/db';
import {
  type BudgetAmounts,
  type BudgetMetric,
  type BudgetScope,
  coveringScopes,
  type CounterMetric,
  type HardBreach,
  periodWindow,
  remainingOf,
  type RunEvent,
  type RunState,
  runTreeCounters,
  runTreeUsage,
  type ScopeCounters,
  scopeId,
  scopeKeyInRun,
  scopeTtlMs,
  usageOfEvent,
} from '@flightdeck/domain';
import {
  budgetScopeKey,
  claimBudgetWarning,
  type CounterInit,
  type CounterKey,
  initBudgetCounters,
  readBudgetCounters,
  releaseBudget,
  reserveBudget,
  settleBudget,
  writeBudgetLimits,
} from '../../coordination/budget-reservations';
import type { Engine } from '../../engine';

/**
 * Budgets at the gate: which counters cover a call, reserve its worst case
 * against all of them (rebuilding any that Redis lost first), settle what it
 * really used. Limits come from the log (run, agent slices) and PostgreSQL
 * (team and global periods); counters from Redis.
 */

const treeOf = (state: RunState) => ({
  teamId: state.teamId,
  agents: state.agents,
  slices: state.budget.slices,
});

/** The Redis counters of one scope of a run. */
export function counterKey(
  engine: Engine,
  state: RunState,
  scope: BudgetScope,
  at: number,
): CounterKey {
  return {
    key: budgetScopeKey(engine.config.queuePrefix, scopeId(state.runId ?? '', scope)),
    ttlMs: scopeTtlMs(scope, at),
    // The run's limits can change while it runs: Redis must hold at least the version this state knows.
    minVersion: scope.kind === 'run' ? state.budget.version : -1,
  };
}

/**
 * Rebuild counters Redis does not have: run-tree scopes from the run's log
 * (`state`, with its last seq as the watermark), team and global periods from
 * PostgreSQL (limits, and the usage of the period with a watermark per run).
 */
export async function rebuildCounters(
  engine: Engine,
  state: RunState,
  scopes: readonly BudgetScope[],
  at: number,
): Promise<CounterInit[]> {
  const runId = state.runId ?? '';
  return Promise.all(
    scopes.map(async (scope): Promise<CounterInit> => {
      const key = counterKey(engine, state, scope, at);
      if (scope.kind === 'run' || scope.kind === 'agent') {
        const scopeKey = scopeKeyInRun(scope);
        return {
          key: key.key,
          ttlMs: key.ttlMs,
          version: scope.kind === 'run' ? state.budget.version : 0,
          limits:
            scope.kind === 'run' ? state.budget.limits : (state.budget.slices[scope.agentId] ?? {}),
          used: runTreeUsage(state, scope),
          marks: [{ runId, lastSeq: state.lastSeq }],
          warned: state.budget.warned
            .filter((w) => scopeKeyInRun(w.scope) === scopeKey)
            .map((w) => w.metric),
          assumeWarned: false,
        };
      }
      const window = periodWindow(scope.period, at);
      const teamId = scope.kind === 'team' ? scope.teamId : null;
      const [budget, usage] = await Promise.all([
        teamId ? getTeamBudget(engine.db, teamId) : getGlobalBudget(engine.db),
        periodUsage(engine.db, { teamId, from: window.from, to: window.to }),
      ]);
      return {
        key: key.key,
        ttlMs: key.ttlMs,
        version: budget.version,
        limits: budget[scope.period],
        used: usage.used,
        marks: usage.watermarks,
        warned: [],
        assumeWarned: true,
      };
    }),
  );
}

export type ReservationOutcome = { ok: true } | { ok: false; breach: HardBreach };

export interface ReserveInput {
  state: RunState;
  agentId: string;
  /** Deterministic per call (run, call id), so a retried job holds one reservation, not two. */
  reservationId: string;
  amounts: BudgetAmounts;
  /** The run's state read again from the log, for rebuilding its counters (limits may have changed). */
  freshState?: () => Promise<RunState>;
  leaseMs?: number;
  now?: number;
}

const MAX_REBUILDS = 3;

/**
 * Reserve a call's worst case against every scope that covers it, or refuse
 * at the first scope and metric that would pass its hard limit.
 */
export async function reserveCall(
  engine: Engine,
  input: ReserveInput,
): Promise<ReservationOutcome> {
  const now = input.now ?? Date.now();
  let state = input.state;
  const scopes = coveringScopes(treeOf(state), input.agentId, now);
  for (let attempt = 0; ; attempt++) {
    const keys = scopes.map((s) => counterKey(engine, state, s, now));
    const outcome = await reserveBudget(engine.redis, engine.config.queuePrefix, {
      reservationId: input.reservationId,
      keys,
      amounts: input.amounts,
      leaseMs: input.leaseMs,
      now,
    });
    if (outcome.kind === 'reserved') return { ok: true };
    if (outcome.kind === 'exceeded') {
      const { kind: _kind, scope, ...figures } = outcome;
      return { ok: false, breach: { scope: scopes[scope]!, ...figures } };
    }
    if (attempt >= MAX_REBUILDS)
      throw new Error(`budget counters could not be brought up to date (${outcome.kind})`);
    if (input.freshState) state = await input.freshState();
    const pending = outcome.scopes.map((i) => scopes[i]!);
    if (outcome.kind === 'uninitialized') {
      await initBudgetCounters(engine.redis, await rebuildCounters(engine, state, pending, now));
    } else {
      await writeRunLimits(engine, state);
    }
  }
}

/** Push the run's limits as this state knows them (its version) to Redis. */
export async function writeRunLimits(engine: Engine, state: RunState): Promise<void> {
  const now = Date.now();
  const key = counterKey(engine, state, { kind: 'run' }, now);
  await writeBudgetLimits(engine.redis, [
    { key: key.key, ttlMs: key.ttlMs, version: state.budget.version, limits: state.budget.limits },
  ]);
}

export interface SoftLimitCrossed {
  scope: BudgetScope;
  metric: CounterMetric;
  soft: number;
  used: number;
}

/**
 * After the call: release its reservation (if any) and add what `event`
 * recorded (a finished model call, a dispatched tool call, a started turn)
 * to every scope covering it at the event's time. Returns the soft limits it
 * crossed for the first time.
 */
export async function settleCall(
  engine: Engine,
  input: { state: RunState; reservationId: string | null; event: RunEvent },
): Promise<SoftLimitCrossed[]> {
  const { state, event } = input;
  const amounts = usageOfEvent(event) ?? {};
  const at = Date.parse(event.at);
  const scopes = coveringScopes(treeOf(state), event.agentId, at);
  const crossed = await settleBudget(engine.redis, engine.config.queuePrefix, {
    reservationId: input.reservationId,
    runId: state.runId ?? event.runId,
    seq: event.seq,
    keys: scopes.map((s) => counterKey(engine, state, s, at)),
    amounts,
  });
  return crossed.map(({ scope, ...rest }) => ({ scope: scopes[scope]!, ...rest }));
}

/** The call did not happen: give its reservation back. */
export function releaseCall(engine: Engine, reservationId: string): Promise<void> {
  return releaseBudget(engine.redis, engine.config.queuePrefix, reservationId);
}

/** Reservation ids: one per call of a run (a turn's start counts as a call). */
export const reservationIdOf = (runId: string, callId: string) => `${runId}:${callId}`;

/**
 * What an agent has left under every hard limit covering it (the least over
 * its scopes): what it may hand a subagent. Counters Redis has are read from
 * it; others are rebuilt (without storing them).
 */
export async function remainingFor(
  engine: Engine,
  state: RunState,
  agentId: string,
  now = Date.now(),
): Promise<BudgetAmounts> {
  const scopes = coveringScopes(treeOf(state), agentId, now);
  const keys = scopes.map((s) => counterKey(engine, state, s, now).key);
  const stored = await readBudgetCounters(engine.redis, keys);
  const fromLog = new Map(runTreeCounters(state).map((c) => [scopeKeyInRun(c.scope), c]));
  const missing = scopes.filter(
    (s, i) => !stored[i]?.initialized && !fromLog.has(scopeKeyInRun(s)),
  );
  const rebuilt = new Map(
    (await rebuildCounters(engine, state, missing, now)).map((init, i) => [
      scopeKeyInRun(missing[i]!),
      init,
    ]),
  );
  const counters = scopes.map((scope, i): ScopeCounters => {
    const logged = fromLog.get(scopeKeyInRun(scope));
    const limits =
      logged?.limits ?? stored[i]?.limits ?? rebuilt.get(scopeKeyInRun(scope))?.limits ?? {};
    if (stored[i]?.initialized)
      return { scope, limits, used: stored[i].used, reserved: stored[i].reserved };
    if (logged) return logged;
    const init = rebuilt.get(scopeKeyInRun(scope));
    return { scope, limits, used: init?.used ?? {}, reserved: {} };
  });
  return remainingOf(counters);
}

/** Claim the one warning about a run-tree soft limit (wall time), across workers. */
export function claimWarning(
  engine: Engine,
  state: RunState,
  scope: BudgetScope,
  metric: BudgetMetric,
): Promise<boolean> {
  return claimBudgetWarning(engine.redis, counterKey(engine, state, scope, Date.now()).key, metric);
}
