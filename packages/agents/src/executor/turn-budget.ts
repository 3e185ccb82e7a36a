import {
  type AgentState,
  type BudgetAmounts,
  type BudgetMetric,
  type BudgetScope,
  activeWallMs,
  describeBreach,
  describeScope,
  type EventDraft,
  estimateInputTokens,
  type HardBreach,
  heldByReservations,
  type Message,
  type ModelRef,
  newSpanId,
  priceIn,
  type RunEvent,
  type RunState,
  TOOL_CALL_AMOUNTS,
  TURN_AMOUNTS,
  usageOfEvent,
  wallTimeCheck,
  wasWarned,
  worstCaseModelCall,
} from '@flightdeck/domain';
import {
  claimWarning,
  type Engine,
  loadPriceTable,
  notifyBudget,
  releaseCall,
  reservationIdOf,
  reserveCall,
  settleCall,
} from '@flightdeck/engine';
import type { Logger } from '@flightdeck/telemetry';
import type { RunContext } from './run-context';

/** Who quarantines a run at its budget, in the log and the audit trail. */
export const BUDGET_ACTOR = { kind: 'system', id: 'budget' } as const;

export interface HeldReservation {
  id: string;
  subject: 'turn' | 'model' | 'tool';
  amounts: BudgetAmounts;
}

/**
 * A call not admitted: `blocked` when a hard limit is reached (the run is now,
 * or already was, stopped), `deferred` when other calls' reservations fill
 * the budget for now (the job tries again shortly, once they settled).
 */
export interface BudgetRefusal {
  outcome: 'blocked' | 'deferred';
}

export type BudgetVerdict = HeldReservation | BudgetRefusal;
export const isHeld = (v: BudgetVerdict): v is HeldReservation => 'id' in v;

/**
 * The budget step of the gate, as one turn uses it: before a turn starts,
 * a model call is dispatched or a tool call runs, reserve its worst case
 * against every covering scope (and check the run's wall time); refused at a
 * hard limit, record `budget.exceeded` and quarantine the run in the same
 * append. After the call, settle what it really used and warn about soft
 * limits crossed. Reservations not settled when the turn ends are released.
 */
export class TurnBudget {
  private readonly held = new Map<string, HeldReservation>();

  constructor(
    private readonly engine: Engine,
    private readonly context: RunContext,
    private readonly log: Logger,
  ) {}

  private get state(): RunState {
    return this.context.state;
  }

  beforeTurn(agent: AgentState, turn: number): Promise<BudgetVerdict> {
    return this.reserve(agent, 'turn', `${agent.id}.t${turn}.turn`, TURN_AMOUNTS);
  }

  beforeToolCall(agent: AgentState, callId: string): Promise<BudgetVerdict> {
    return this.reserve(agent, 'tool', callId, TOOL_CALL_AMOUNTS);
  }

  async beforeModelCall(
    agent: AgentState,
    callId: string,
    request: {
      model: ModelRef;
      system: string;
      messages: readonly Message[];
      tools: readonly unknown[];
      maxOutputTokens: number;
    },
  ): Promise<BudgetVerdict> {
    // At the table model calls are priced with (cached: no query on the hot path).
    const prices = await loadPriceTable(this.engine);
    const amounts = worstCaseModelCall(
      priceIn(prices, request.model.name),
      estimateInputTokens(request),
      request.maxOutputTokens,
    );
    return this.reserve(agent, 'model', callId, amounts);
  }

  private async reserve(
    agent: AgentState,
    subject: HeldReservation['subject'],
    callId: string,
    amounts: BudgetAmounts,
  ): Promise<BudgetVerdict> {
    const wall = await this.checkWallTime(agent, callId);
    if (wall) return wall;
    const id = reservationIdOf(this.context.runId, callId);
    const outcome = await reserveCall(this.engine, {
      state: this.state,
      agentId: agent.id,
      reservationId: id,
      amounts,
      freshState: async () => {
        await this.context.refresh();
        return this.context.state;
      },
    });
    if (!outcome.ok)
      return heldByReservations(outcome.breach)
        ? { outcome: 'deferred' }
        : this.stop(agent, subject, callId, outcome.breach);
    const held = { id, subject, amounts };
    this.held.set(id, held);
    return held;
  }

  /** The run's wall time: refused past its hard limit; warned once past its soft limit. */
  private async checkWallTime(agent: AgentState, callId: string): Promise<BudgetRefusal | null> {
    const limits = this.state.budget.limits;
    if (!limits.wallMs) return null;
    const used = activeWallMs(this.state.budget, Date.now());
    const check = wallTimeCheck(limits, used);
    const scope: BudgetScope = { kind: 'run' };
    if (check.hard)
      return this.stop(agent, 'wall', callId, {
        scope,
        metric: 'wallMs',
        limit: limits.wallMs.hard!,
        used,
        reserved: 0,
        requested: 0,
      });
    if (
      check.soft &&
      !wasWarned(this.state.budget, scope, 'wallMs') &&
      (await claimWarning(this.engine, this.state, scope, 'wallMs'))
    )
      await this.warn(agent, [{ scope, metric: 'wallMs', soft: limits.wallMs.soft!, used }]);
    return null;
  }

  /**
   * Refused at a hard limit: record why, and quarantine the run in the same
   * append (paused, nothing more dispatched, state kept) so the operator can
   * raise the budget and resume. A run already paused only records why.
   */
  private async stop(
    agent: AgentState,
    subject: 'turn' | 'model' | 'tool' | 'wall',
    callId: string,
    breach: HardBreach,
  ): Promise<BudgetRefusal> {
    const reason = describeBreach(
      breach,
      describeScope(breach.scope, (id) => this.state.agents[id]?.name),
    );
    const exceeded = this.draft(agent, 'budget.exceeded', {
      scope: breach.scope,
      metric: breach.metric,
      limit: breach.limit,
      used: breach.used,
      reserved: breach.reserved,
      requested: breach.requested,
      subject,
      callId: subject === 'turn' || subject === 'wall' ? null : callId,
      reason,
    });
    if (this.state.status === 'running') {
      const pauseReason = `Stopped by its budget: ${reason}. Raise the budget, then resume.`;
      await this.context.record(
        [
          exceeded,
          {
            type: 'run.paused',
            at: new Date().toISOString(),
            agentId: null,
            traceId: this.traceId(),
            spanId: newSpanId(),
            parentSpanId: this.state.rootSpanId,
            payload: { by: BUDGET_ACTOR, reason: pauseReason, mode: 'abort-turn' },
          },
        ],
        { agentId: agent.id, runStatuses: ['running'] },
        {
          actor: BUDGET_ACTOR,
          action: 'run.paused',
          target: {
            runId: this.context.runId,
            ...(this.state.teamId ? { teamId: this.state.teamId } : {}),
          },
          detail: { reason: pauseReason, metric: breach.metric, scope: breach.scope.kind },
        },
      );
      await this.alert('budget.exceeded', {
        scope: describeScope(breach.scope),
        metric: breach.metric,
        limit: breach.limit,
        used: breach.used,
        reason,
      });
    } else {
      // Paused by a person meanwhile: say why this agent stopped; the resume will gate it again.
      await this.context.record([exceeded], { agentId: agent.id, runStatuses: ['paused'] });
    }
    return { outcome: 'blocked' };
  }

  /** After the call: release the reservation and add what `event` really used (and warn of soft limits crossed). */
  async settle(held: HeldReservation, event: RunEvent | undefined): Promise<void> {
    this.held.delete(held.id);
    if (!event || !usageOfEvent(event)) {
      await releaseCall(this.engine, held.id);
      return;
    }
    const crossed = await settleCall(this.engine, {
      state: this.state,
      reservationId: held.id,
      event,
    });
    if (crossed.length === 0) return;
    const agent = event.agentId ? this.state.agents[event.agentId] : undefined;
    if (agent) await this.warn(agent, crossed);
  }

  /** The call did not happen: give its reservation back. */
  async release(held: HeldReservation): Promise<void> {
    this.held.delete(held.id);
    await releaseCall(this.engine, held.id);
  }

  /** Give back whatever this turn still holds (it was aborted or failed between reserve and settle). */
  async close(): Promise<void> {
    const held = [...this.held.values()];
    this.held.clear();
    for (const h of held) {
      try {
        await releaseCall(this.engine, h.id);
      } catch (error) {
        // Its lease expires anyway.
        this.log.warn('could not release a budget reservation', { reservationId: h.id, error });
      }
    }
  }

  private async warn(
    agent: AgentState,
    crossed: ReadonlyArray<{
      scope: BudgetScope;
      metric: BudgetMetric;
      soft: number;
      used: number;
    }>,
  ): Promise<void> {
    await this.context.record(
      crossed.map((c) =>
        this.draft(agent, 'budget.warned', {
          scope: c.scope,
          metric: c.metric,
          soft: c.soft,
          used: c.used,
        }),
      ),
    );
    for (const c of crossed)
      await this.alert('budget.warned', {
        scope: describeScope(c.scope),
        metric: c.metric,
        limit: c.soft,
        used: c.used,
        reason: `${describeScope(c.scope)} crossed its soft limit`,
      });
  }

  /** Webhooks are told; a failure to tell them never stops the run's own work. */
  private async alert(
    kind: 'budget.warned' | 'budget.exceeded',
    budget: { scope: string; metric: BudgetMetric; limit: number; used: number; reason: string },
  ): Promise<void> {
    const state = this.state;
    if (!state.teamId) return;
    try {
      await notifyBudget(this.engine, {
        kind,
        budget: {
          runId: this.context.runId,
          teamId: state.teamId,
          teamName: state.teamName ?? '',
          ...budget,
          reason: budget.reason.slice(0, 2000),
          url: `/runs/${this.context.runId}?tab=budget`,
        },
        at: new Date().toISOString(),
      });
    } catch (error) {
      this.log.warn('budget notification failed', { runId: this.context.runId, kind, error });
    }
  }

  private traceId(): string {
    return this.state.traceId ?? '0'.repeat(32);
  }

  private draft<T extends 'budget.exceeded' | 'budget.warned'>(
    agent: AgentState,
    type: T,
    payload: Extract<EventDraft, { type: T }>['payload'],
  ): EventDraft {
    return {
      type,
      at: new Date().toISOString(),
      agentId: agent.id,
      traceId: this.traceId(),
      spanId: newSpanId(),
      parentSpanId: agent.turn && !agent.turn.finished ? agent.turn.spanId : agent.spanId,
      payload,
    } as EventDraft;
  }
}
