import type { Actor, EventOf, RunEvent } from '../events/schema';
import type { AgentState, RunState } from '../events/reducer';
import { amountsOfTotals } from './amounts';
import type { ScopeCounters } from './checks';
import { addAmounts, type BudgetAmounts, type BudgetLimits, type BudgetMetric } from './limits';
import { type BudgetScope, scopeKeyInRun } from './scopes';

/**
 * A run's budget as its log tells it (the `budget` part of RunState): the
 * limits in force, the slices handed to agents, what is in flight, warnings
 * and refusals, and the run's clock. Used amounts are the run's (and agents')
 * totals: the same numbers the reservations settle.
 */

export interface BudgetChange {
  seq: number;
  at: string;
  by: Actor;
  reason: string;
  limits: BudgetLimits;
}

export type BudgetWarning = EventOf<'budget.warned'>['payload'] & { seq: number; at: string };
export type BudgetStop = EventOf<'budget.exceeded'>['payload'] & {
  seq: number;
  at: string;
  agentId: string | null;
};

export interface RunBudgetState {
  /** The run scope's limits in force. */
  limits: BudgetLimits;
  /** Seq of the `budget.changed` that set them (0: the manifest's). */
  version: number;
  changes: BudgetChange[];
  /** Agent id → the slice its delegate call handed it. */
  slices: Record<string, BudgetLimits>;
  /** Model calls reserved and not yet settled: call id → agent and amounts. */
  inFlight: Record<string, { agentId: string; amounts: BudgetAmounts }>;
  /** Scope keys (`scopeKeyInRun`) and metrics already warned about. */
  warned: BudgetWarning[];
  /** The refusal that quarantined the run, until it is resumed. */
  stop: BudgetStop | null;
  /** Refusals so far (the latest 50). */
  exceeded: BudgetStop[];
  /** Milliseconds the run was running before `runningSince`. */
  activeMs: number;
  runningSince: string | null;
}

export const initialBudgetState = (): RunBudgetState => ({
  limits: {},
  version: 0,
  changes: [],
  slices: {},
  inFlight: {},
  warned: [],
  stop: null,
  exceeded: [],
  activeMs: 0,
  runningSince: null,
});

const MAX_EXCEEDED_KEPT = 50;

function stopClock(budget: RunBudgetState, at: string): RunBudgetState {
  if (!budget.runningSince) return budget;
  return {
    ...budget,
    activeMs: budget.activeMs + Math.max(0, Date.parse(at) - Date.parse(budget.runningSince)),
    runningSince: null,
  };
}

function dropInFlight(budget: RunBudgetState, keep: (agentId: string, callId: string) => boolean) {
  const entries = Object.entries(budget.inFlight);
  const kept = entries.filter(([callId, v]) => keep(v.agentId, callId));
  return kept.length === entries.length
    ? budget
    : { ...budget, inFlight: Object.fromEntries(kept) };
}

/**
 * The budget part of applying `event` (called by the reducer after the rest
 * of the state has taken the event). Pure.
 */
export function reduceBudget(budget: RunBudgetState, event: RunEvent): RunBudgetState {
  switch (event.type) {
    case 'run.started':
      return { ...budget, limits: event.payload.budget ?? {}, runningSince: event.at };
    case 'run.paused':
      return stopClock(budget, event.at);
    case 'run.resumed':
      return { ...budget, runningSince: event.at, stop: null };
    case 'run.completed':
    case 'run.failed':
    case 'run.killed':
      return { ...stopClock(budget, event.at), inFlight: {} };
    case 'agent.spawned':
      return event.payload.budget && event.agentId
        ? { ...budget, slices: { ...budget.slices, [event.agentId]: event.payload.budget } }
        : budget;
    case 'gate.decided': {
      const p = event.payload;
      if (p.subject !== 'model' || p.effect !== 'allow' || !p.reserved || !event.agentId)
        return budget;
      return {
        ...budget,
        inFlight: {
          ...budget.inFlight,
          [p.callId]: { agentId: event.agentId, amounts: p.reserved },
        },
      };
    }
    case 'llm.call.finished':
    case 'llm.call.failed': {
      const callId = event.payload.callId;
      return dropInFlight(budget, (_agent, id) => id !== callId);
    }
    case 'agent.finished':
    case 'agent.failed':
    case 'agent.killed':
      return dropInFlight(budget, (agentId) => agentId !== event.agentId);
    case 'budget.changed':
      return {
        ...budget,
        limits: event.payload.limits,
        version: event.seq,
        changes: [
          ...budget.changes,
          {
            seq: event.seq,
            at: event.at,
            by: event.payload.by,
            reason: event.payload.reason,
            limits: event.payload.limits,
          },
        ],
      };
    case 'budget.warned':
      return {
        ...budget,
        warned: [...budget.warned, { ...event.payload, seq: event.seq, at: event.at }],
      };
    case 'budget.exceeded': {
      const stop: BudgetStop = {
        ...event.payload,
        seq: event.seq,
        at: event.at,
        agentId: event.agentId,
      };
      return {
        ...budget,
        stop,
        exceeded: [...budget.exceeded, stop].slice(-MAX_EXCEEDED_KEPT),
      };
    }
    default:
      return budget;
  }
}

// ---------------------------------------------------------------------------
// Selectors.

/** Milliseconds the run has been running (pauses excluded), as of `now`. */
export function activeWallMs(budget: RunBudgetState, now: number): number {
  return (
    budget.activeMs + (budget.runningSince ? Math.max(0, now - Date.parse(budget.runningSince)) : 0)
  );
}

/** Whether a soft limit of this scope and metric was already warned about in this run. */
export function wasWarned(
  budget: RunBudgetState,
  scope: BudgetScope,
  metric: BudgetMetric,
): boolean {
  const key = scopeKeyInRun(scope);
  return budget.warned.some((w) => w.metric === metric && scopeKeyInRun(w.scope) === key);
}

/** The agent and everyone below it in the spawn tree. */
export function subtreeOf(state: RunState, agentId: string): AgentState[] {
  const out: AgentState[] = [];
  const stack = [agentId];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const agent = state.agents[id];
    if (!agent) continue;
    out.push(agent);
    stack.push(...agent.children);
  }
  return out;
}

/** What an agent and its subagents have used (what its slice counts). */
export function subtreeUsage(state: RunState, agentId: string): BudgetAmounts {
  return subtreeOf(state, agentId).reduce<BudgetAmounts>(
    (sum, agent) => addAmounts(sum, amountsOfTotals(agent.totals)),
    {},
  );
}

/** What the run-tree scope has in flight, from the log (model calls reserved, not yet settled). */
export function inFlightOf(state: RunState, scope: BudgetScope): BudgetAmounts {
  const inScope =
    scope.kind === 'agent' ? new Set(subtreeOf(state, scope.agentId).map((a) => a.id)) : null;
  let sum: BudgetAmounts = {};
  for (const { agentId, amounts } of Object.values(state.budget.inFlight))
    if (!inScope || inScope.has(agentId)) sum = addAmounts(sum, amounts);
  return sum;
}

/**
 * The run-tree scopes' counters as the log has them: the run and every agent
 * with a slice. `reserved` counts only model calls in flight (turns and tool
 * calls settle as they are recorded).
 */
export function runTreeCounters(state: RunState): ScopeCounters[] {
  const run: ScopeCounters = {
    scope: { kind: 'run' },
    limits: state.budget.limits,
    used: amountsOfTotals(state.totals),
    reserved: inFlightOf(state, { kind: 'run' }),
  };
  const agents = state.agentOrder
    .filter((id) => state.budget.slices[id])
    .map((id): ScopeCounters => {
      const scope: BudgetScope = { kind: 'agent', agentId: id };
      return {
        scope,
        limits: state.budget.slices[id]!,
        used: subtreeUsage(state, id),
        reserved: inFlightOf(state, scope),
      };
    });
  return [run, ...agents];
}

/** Usage of a run-tree scope from the log (run totals, or an agent's subtree). */
export function runTreeUsage(state: RunState, scope: BudgetScope): BudgetAmounts {
  if (scope.kind === 'agent') return subtreeUsage(state, scope.agentId);
  return amountsOfTotals(state.totals);
}
