import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type AgentSpec,
  type AgentState,
  type BreakerState,
  type BudgetAmounts,
  costMicroUsd,
  detectBreakerTrips,
  describeIssues,
  callLifecycleRole,
  DomainError,
  type EventDraft,
  type GateDecision,
  isTerminalAgentStatus,
  gateInFork,
  grantOf,
  hasLimits,
  newSpanId,
  nextStep,
  pendingTurnOf,
  type RunEvent,
  type RunState,
  sliceFromDelegate,
  sliceRefusal,
  type ToolCallState,
  type TurnStep,
} from '@flightdeck/domain';
import {
  acquireProviderCall,
  acquireRunSlot,
  afterBreakerTrip,
  announceApproval,
  announceBreaker,
  BREAKER_ACTOR,
  breakerTripDrafts,
  callLeaseHeld,
  quarantineAudit,
  type Engine,
  enqueue,
  enqueueTurn,
  holdCallLease,
  loadPriceTable,
  type ProviderBreakerContext,
  quarantineDrafts,
  recordProviderFailure,
  recordProviderSuccess,
  releaseRunSlot,
  remainingFor,
  scheduleApprovalTimers,
  snapshotWorkspace,
  withWorkspaceLock,
  WorkspaceBusyError,
} from '@flightdeck/engine';
import { isDatabaseUnavailableError } from '@flightdeck/db';
import type { Logger } from '@flightdeck/telemetry';
import { randomUUID } from 'node:crypto';
import { ModelCallError, type ProviderRegistry } from '../providers/types';
import type { McpToolHost } from '../tools/mcp/tool-host';
import { delegateArgs } from '../tools/registry';
import { capOutput, type ToolRegistry } from '../tools/types';
import { type AppendGate, RunContext } from './run-context';
import { type HeldReservation, isHeld, TurnBudget } from './turn-budget';
import { TurnGate } from './turn-gate';
import { TurnTools } from './turn-tools';

export interface TurnDependencies {
  engine: Engine;
  providers: ProviderRegistry;
  tools: ToolRegistry;
  /** Starts the MCP servers an agent is granted; without it, MCP grants give no tools. */
  mcp?: McpToolHost;
  log: Logger;
  /** Orders this process's appends (a deterministic re-run); none in normal operation. */
  appendGate?: AppendGate;
  /** Runs a tool call and its workspace snapshot alone (a re-run restores recorded workspaces); none in normal operation. */
  workspaceLock?: <T>(work: () => Promise<T>, call: { callId: string }) => Promise<T>;
}

export interface TurnJob {
  runId: string;
  agentId: string;
  turn: number;
}

export type TurnOutcome =
  | 'turn-finished'
  | 'agent-finished'
  | 'agent-failed'
  | 'waiting'
  | 'stale'
  | 'run-ended'
  | 'aborted'
  /** Waiting for a human: an approval, or a decision on an interrupted tool call. */
  | 'blocked'
  /** The run is at its cap of concurrently working agents: try again shortly. */
  | 'deferred'
  /** The model provider's circuit breaker is open: try again at `retryAt`, when a probe may go. */
  | 'provider-wait';

export interface TurnResult {
  outcome: TurnOutcome;
  /** For `provider-wait`: when to try again (ms since the epoch). */
  retryAt?: number;
}

const now = () => new Date().toISOString();

/** How long a call's result waits for the database to answer again before the job fails (and is retried). */
const FACT_RETRY_MS = 90_000;

/** How many times one job re-decides a step after the log moved under it before giving up (and retrying the job). */
const MAX_STALE_RETRIES = 100;

/** How many times a breaker trip is re-detected after the log moved under it (other agents append meanwhile). */
const MAX_TRIP_ATTEMPTS = 50;

/**
 * Execute one turn of one agent, step by step, each step recorded before its
 * effect: load the state from the log, ask what comes next, do it, append.
 * Picking the same job up again after a crash continues where the log stops.
 */
export async function runTurn(
  deps: TurnDependencies,
  job: TurnJob,
  signal: AbortSignal,
): Promise<TurnResult> {
  let context: RunContext;
  try {
    context = await RunContext.load(deps.engine, job.runId, deps.appendGate);
  } catch (error) {
    if (error instanceof DomainError && error.code === 'NOT_FOUND') return { outcome: 'stale' };
    throw error;
  }
  const { engine } = deps;
  const execution = new TurnExecution(deps, context, job, signal);
  if (execution.needsSlot()) {
    const cap = context.manifest.limits.maxConcurrentAgents;
    if (
      !(await acquireRunSlot(engine.redis, engine.config.queuePrefix, job.runId, job.agentId, cap))
    )
      return { outcome: 'deferred' };
  }
  try {
    const outcome = await execution.run();
    return outcome === 'provider-wait'
      ? { outcome, retryAt: execution.retryAt ?? Date.now() + 1000 }
      : { outcome };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'RUN_NOT_ACTIVE')
      return { outcome: 'run-ended' };
    if (signal.aborted) return { outcome: 'aborted' };
    throw error;
  } finally {
    await execution.close();
    await releaseRunSlot(engine.redis, engine.config.queuePrefix, job.runId, job.agentId);
  }
}

/** Why a delegate call's tool scope is refused: it may only narrow what the manifest grants the subagent. */
function scopeRefusal(
  child: AgentSpec | undefined,
  name: string,
  tools: readonly string[] | undefined,
): string | null {
  if (!child || !tools) return null;
  const granted = new Set(child.tools.map((g) => g.name));
  const widening = tools.filter((t) => !granted.has(t));
  return widening.length
    ? `refused: the scope would widen ${name}: ${widening.map((t) => `"${t}"`).join(', ')} ${widening.length === 1 ? 'is' : 'are'} not granted to it (it has ${[...granted].join(', ') || 'no tools'})`
    : null;
}

class TurnExecution {
  private readonly spec: AgentSpec;
  private readonly tools: TurnTools;
  private readonly gate: TurnGate;
  /** Set with `provider-wait`: when the provider's breaker lets a probe through. */
  retryAt: number | null = null;
  private readonly budget: TurnBudget;

  constructor(
    private readonly deps: TurnDependencies,
    private readonly context: RunContext,
    private readonly job: TurnJob,
    private readonly signal: AbortSignal,
  ) {
    const agent = this.agent;
    const spec = agent ? context.manifest.agents[agent.name] : undefined;
    if (!spec)
      throw new DomainError('NOT_FOUND', `agent ${job.agentId} is not in the run's manifest`);
    // A delegate call may have narrowed the agent to some of its tools: the others do not exist for it.
    const scope = agent?.toolScope;
    this.spec = scope
      ? {
          ...spec,
          tools: spec.tools.filter(
            (g) =>
              scope.includes(g.name) ||
              (g.name.startsWith('mcp.') &&
                scope.some((t) => t.startsWith(`${g.name}.`) || t === g.name)),
          ),
        }
      : spec;
    this.gate = new TurnGate(deps.engine, context);
    this.budget = new TurnBudget(deps.engine, context, deps.log);
    this.tools = new TurnTools(
      deps.tools,
      deps.mcp,
      this.spec,
      context.manifest,
      () => this.workspace(),
      signal,
    );
  }

  async close(): Promise<void> {
    await this.budget.close();
    await this.tools.close();
  }

  private get state(): RunState {
    return this.context.state;
  }

  private get agent(): AgentState | undefined {
    return this.context.state.agents[this.job.agentId];
  }

  private requireAgent(): AgentState {
    const agent = this.agent;
    if (!agent)
      throw new DomainError(
        'NOT_FOUND',
        `agent ${this.job.agentId} is not in run ${this.job.runId}`,
      );
    return agent;
  }

  /** Whether this job would work (and so count against the run's concurrency cap). */
  needsSlot(): boolean {
    return this.belongsToThisJob(
      nextStep(this.state, this.job.agentId, { maxTurns: this.spec.limits.maxTurns }),
    );
  }

  async run(): Promise<TurnOutcome> {
    let staleRetries = 0;
    for (;;) {
      if (this.signal.aborted) return 'aborted';
      const step = nextStep(this.state, this.job.agentId, { maxTurns: this.spec.limits.maxTurns });
      if (!this.belongsToThisJob(step)) {
        await this.ensureContinuations();
        return step.kind === 'idle' &&
          this.state.status !== 'running' &&
          this.state.status !== 'paused'
          ? 'run-ended'
          : 'stale';
      }
      try {
        const outcome = await this.perform(step);
        // What was just recorded may trip a breaker: it does so before this or any agent's next call.
        await this.checkBreakers();
        if (outcome) return outcome;
      } catch (error) {
        // Something about this agent changed since the step was decided (a pause, a kill, a steer):
        // catch up with the log and decide again.
        if (
          !(error instanceof DomainError && error.code === 'STALE_STATE') ||
          ++staleRetries > MAX_STALE_RETRIES
        )
          throw error;
        await this.context.refresh();
      }
    }
  }

  /** A job runs exactly its own turn: a stale or duplicate job does nothing. */
  private belongsToThisJob(step: TurnStep): boolean {
    if (step.kind === 'idle') return false;
    if (step.kind === 'start-turn') return step.turn === this.job.turn;
    if (step.kind === 'fail-agent' && this.requireAgent().status === 'ready')
      return this.requireAgent().turnsTaken + 1 === this.job.turn;
    return this.agent?.turn?.turn === this.job.turn;
  }

  private async perform(step: TurnStep): Promise<TurnOutcome | null> {
    switch (step.kind) {
      case 'start-turn': {
        const held = await this.budget.beforeTurn(this.requireAgent(), step.turn);
        if (!isHeld(held)) return held.outcome;
        await this.withReservation(held, () =>
          this.act(
            [this.draft('agent.turn.started', { turn: step.turn }, this.requireAgent().spanId)],
            ['running'],
          ),
        );
        return null;
      }
      case 'call-model':
        return this.callModel(step.turn);
      case 'dispatch-tool':
      case 'resume-tool':
        return this.runToolCall(step.call, step.kind === 'resume-tool');
      case 'finish-turn':
        await this.act([this.draft('agent.turn.finished', { turn: step.turn }, this.turnSpan())]);
        await this.ensureContinuations();
        return this.agent?.status === 'waiting' ? 'waiting' : 'turn-finished';
      case 'finish-agent':
        await this.endAgent({ ok: true, text: step.result });
        return 'agent-finished';
      case 'fail-agent':
        await this.endAgent({ ok: false, text: step.error });
        return 'agent-failed';
      case 'idle':
        return 'stale';
    }
  }

  private async callModel(turn: number): Promise<TurnOutcome | null> {
    const agent = this.requireAgent();
    const hold = await this.holdIfBreakerOpen(agent);
    if (hold) return hold;
    const callId = `${agent.id}.t${turn}.llm`;
    const spanId = newSpanId();
    const model = `${agent.model.provider}/${agent.model.name}`;
    const decision = await this.gate.decide(agent, 'model', 'model', { model });
    const allowed = decision.effect === 'allow';
    const provider = this.deps.providers[agent.model.provider];
    // A model call to a provider whose breaker is open is not made: the agent waits for the probe.
    if (allowed && provider) {
      const waiting = await this.acquireProvider(agent.model.provider, callId);
      if (waiting) return waiting;
    }
    // The tools offered (starting MCP servers) only for a call that will be made.
    const tools = allowed ? await this.toolSpecs() : [];
    // Budget: the worst case of this call is reserved before it is dispatched (refused: the run stops here).
    let held: HeldReservation | null = null;
    if (allowed) {
      const verdict = await this.budget.beforeModelCall(agent, callId, {
        model: agent.model,
        system: this.spec.system,
        messages: agent.messages,
        tools,
        maxOutputTokens: this.spec.limits.maxOutputTokens,
      });
      if (!isHeld(verdict)) return verdict.outcome;
      held = verdict;
    }
    const gated = this.gateDraft(
      'model',
      callId,
      'model',
      decision,
      allowed ? decision : { ...decision, effect: 'deny' },
      held?.amounts,
    );
    await this.withReservation(held, async () => {
      await this.act([
        gated,
        this.draft(
          'llm.call.started',
          { callId, turn, model: agent.model },
          this.turnSpan(),
          spanId,
        ),
      ]);
      return null;
    });
    if (!allowed) {
      await this.record([
        this.draft(
          'llm.call.failed',
          { callId, error: `refused by policy: ${decision.reason}`, retryable: false },
          this.turnSpan(),
          spanId,
        ),
      ]);
      return null;
    }

    if (!provider) {
      if (held) await this.budget.release(held);
      await this.record([
        this.draft(
          'llm.call.failed',
          {
            callId,
            error: `model provider "${agent.model.provider}" is not configured on this server`,
            retryable: false,
          },
          this.turnSpan(),
          spanId,
        ),
      ]);
      return null;
    }
    const started = performance.now();
    let finished: RunEvent | undefined;
    try {
      const response = await provider.generate({
        callId,
        model: agent.model,
        system: agent.system ?? this.spec.system,
        messages: agent.messages,
        tools,
        maxOutputTokens: this.spec.limits.maxOutputTokens,
        signal: this.signal,
        providerOptions: {
          simulated: {
            ...this.context.manifest.simulation,
            seed: this.state.seed,
            agentName: agent.name,
            agentKey: `${agent.name}:${agent.depth}:${agent.task}`,
            isLead: agent.parentId === null,
          },
        },
      });
      // Priced with the table current now (cached: no query on the hot path).
      const prices = await loadPriceTable(this.deps.engine);
      [finished] = await this.record([
        this.draft(
          'llm.call.finished',
          {
            callId,
            text: response.text,
            toolCalls: response.toolCalls.map((call, i) => ({
              callId: `${agent.id}.t${turn}.c${i + 1}`,
              tool: call.tool,
              args: call.args,
            })),
            usage: response.usage,
            costMicroUsd: costMicroUsd(prices, agent.model.name, response.usage),
            priceVersion: prices.version,
            latencyMs: Math.round(performance.now() - started),
            finishReason: response.finishReason,
          },
          this.turnSpan(),
          spanId,
        ),
      ]);
      await this.providerAnswered(agent.model.provider);
    } catch (error) {
      if (this.signal.aborted) throw error;
      if (held) await this.budget.release(held);
      const retryable = error instanceof ModelCallError ? error.retryable : false;
      const message = error instanceof Error ? error.message : String(error);
      await this.record([
        this.draft(
          'llm.call.failed',
          { callId, error: message, retryable },
          this.turnSpan(),
          spanId,
        ),
      ]);
      // Rate limits, overload, 5xx, network: the provider's health, shared by every run.
      if (retryable) await this.providerFailed(agent.model.provider, callId, message);
    }
    if (held && finished) await this.budget.settle(held, finished);
    return null;
  }

  private get providerBreakers(): ProviderBreakerContext {
    return { redis: this.deps.engine.redis, prefix: this.deps.engine.config.queuePrefix };
  }

  private providerSettings() {
    const { failures, cooldownSeconds } = this.state.breakers.thresholds.provider;
    return { failures, cooldownSeconds };
  }

  private providerBreakerState(provider: string): BreakerState | undefined {
    return this.state.breakers.states[`provider:${provider}`];
  }

  /**
   * Ask the provider's breaker before a model call. Open: the call is not made,
   * the run's log says why (once), and the turn waits for the half-open probe.
   */
  private async acquireProvider(provider: string, callId: string): Promise<TurnOutcome | null> {
    if (!this.state.breakers.thresholds.provider.enabled) return null;
    const key = `provider:${provider}`;
    const access = await acquireProviderCall(
      this.providerBreakers,
      provider,
      callId,
      this.providerSettings(),
    );
    const seen = this.providerBreakerState(provider)?.status ?? 'closed';
    const result = access.result;
    if (result.kind === 'wait') {
      if (seen === 'closed') {
        const opened = result.state.openedAt ?? Date.now();
        await this.record([
          this.runDraft('breaker.opened', {
            breaker: key,
            kind: 'provider',
            reason: `${provider} failed ${result.state.failures} calls in a row (last: ${result.state.lastError ?? 'unknown'}); its breaker opened at ${new Date(opened).toISOString()} for every run: calls wait for one probe after the cool-down`,
            evidence: result.state.lastError
              ? [{ seq: null, agentId: null, text: result.state.lastError.slice(0, 480) }]
              : [],
            agents: this.agentsOn(provider),
            value: result.state.failures,
            threshold: this.providerSettings().failures,
            retryAt: new Date(result.retryAt).toISOString(),
          }),
        ]);
      }
      this.retryAt = result.retryAt;
      return 'provider-wait';
    }
    if (result.kind === 'probe' && seen !== 'half-open') {
      if (seen === 'closed') await this.recordProviderOpened(provider, null);
      await this.record([
        this.runDraft('breaker.half-opened', {
          breaker: key,
          kind: 'provider',
          reason: `the cool-down is over: one probe call to ${provider} goes (${this.requireAgent().name})`,
        }),
      ]);
    } else if (result.kind === 'call' && seen !== 'closed') {
      await this.recordProviderClosed(provider, `${provider}'s breaker closed: it answers again`);
    }
    return null;
  }

  private async providerAnswered(provider: string): Promise<void> {
    if (!this.state.breakers.thresholds.provider.enabled) return;
    await recordProviderSuccess(this.providerBreakers, provider);
    // This run saw it open (or probing): its log says it closed, and why.
    if ((this.providerBreakerState(provider)?.status ?? 'closed') !== 'closed')
      await this.recordProviderClosed(provider, `the probe call to ${provider} succeeded`);
  }

  private async providerFailed(provider: string, callId: string, error: string): Promise<void> {
    if (!this.state.breakers.thresholds.provider.enabled) return;
    const step = await recordProviderFailure(
      this.providerBreakers,
      provider,
      callId,
      error,
      this.providerSettings(),
    );
    if (step.transition === 'opened') await this.recordProviderOpened(provider, step.state.retryAt);
  }

  private async recordProviderOpened(provider: string, retryAt: number | null): Promise<void> {
    const failed = this.state.breakers.outcomes.filter((o) => !o.ok && o.label.includes(provider));
    const { failures } = this.providerSettings();
    await this.record([
      this.runDraft('breaker.opened', {
        breaker: `provider:${provider}`,
        kind: 'provider',
        reason: `${provider} failed ${failures} calls in a row: its breaker is open for every run, and calls wait for one probe after the cool-down`,
        evidence: failed.slice(-10).map((o) => ({
          seq: o.seq,
          agentId: this.state.agents[o.agentId] ? o.agentId : null,
          text: o.label.slice(0, 480),
        })),
        agents: this.agentsOn(provider),
        value: failures,
        threshold: failures,
        retryAt: retryAt === null ? null : new Date(retryAt).toISOString(),
      }),
    ]);
  }

  private async recordProviderClosed(provider: string, reason: string): Promise<void> {
    const [event] = await this.record([
      this.runDraft('breaker.closed', {
        breaker: `provider:${provider}`,
        kind: 'provider',
        by: BREAKER_ACTOR,
        reason,
      }),
    ]);
    if (event?.type === 'breaker.closed')
      await announceBreaker(this.deps.engine, this.state, event);
  }

  /** Live agents of the run whose model is at this provider. */
  private agentsOn(provider: string): string[] {
    return this.state.agentOrder.filter((id) => {
      const a = this.state.agents[id];
      return a && a.model.provider === provider && !isTerminalAgentStatus(a.status);
    });
  }

  /**
   * The gate's breaker check: an open breaker that covers this agent holds its
   * calls. If what it covers is not paused yet (it normally is, since the
   * trip), the pause is recorded now; either way the job ends without acting.
   */
  private async holdIfBreakerOpen(agent: AgentState): Promise<TurnOutcome | null> {
    const hold = this.gate.breakerHold(agent);
    if (!hold) return null;
    const drafts = quarantineDrafts(this.state, [
      {
        key: hold.key,
        kind: hold.kind,
        reason: hold.opened?.reason ?? 'open',
        agents: hold.opened?.agents ?? [],
      },
    ]);
    if (drafts.length) {
      const audit = quarantineAudit(this.state, drafts, [
        { key: hold.key, reason: hold.opened?.reason ?? 'open' },
      ]);
      const events = await this.context.recordIfUnmoved(drafts, audit).catch((error: unknown) => {
        if (error instanceof DomainError && error.code === 'STALE_STATE') return [];
        throw error;
      });
      // The pause is new: stop the quarantined turns on every worker (no breaker opened again: no webhook).
      if (events.length)
        await afterBreakerTrip(this.deps.engine, this.job.runId, this.state, events);
    }
    return 'blocked';
  }

  /**
   * After each recorded step: do the run's breakers trip on what the log says
   * now? A trip is recorded with its quarantine in one append, fenced on the
   * whole run's log (a concurrent step or trip makes it decide again), so two
   * workers never record the same trip twice and no covered agent dispatches
   * after it.
   */
  private async checkBreakers(): Promise<void> {
    for (let attempt = 0; attempt < MAX_TRIP_ATTEMPTS; attempt++) {
      const state = this.state;
      if (state.status !== 'running' && state.status !== 'paused') return;
      const trips = detectBreakerTrips(state);
      if (trips.length === 0) return;
      try {
        const drafts = breakerTripDrafts(state, trips);
        const events = await this.context.recordIfUnmoved(
          drafts,
          quarantineAudit(state, drafts, trips),
        );
        this.deps.log.warn('breaker tripped', {
          runId: this.job.runId,
          breakers: trips.map((t) => t.key),
          reason: trips[0]?.reason,
        });
        await afterBreakerTrip(this.deps.engine, this.job.runId, this.state, events);
        return;
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'STALE_STATE')) throw error;
        await this.context.refresh();
      }
    }
    this.deps.log.warn(
      'breaker trip not recorded: the run kept moving; the next step checks again',
      {
        runId: this.job.runId,
      },
    );
  }

  /**
   * Run `act` holding a budget reservation: settled with what the recorded
   * events used (a started turn, a dispatched call), released if it throws.
   */
  private async withReservation<T extends RunEvent[] | null>(
    held: HeldReservation | null,
    act: () => Promise<T>,
  ): Promise<T> {
    if (!held) return act();
    let events: T;
    try {
      events = await act();
    } catch (error) {
      await this.budget.release(held);
      throw error;
    }
    if (events) {
      const type = held.subject === 'turn' ? 'agent.turn.started' : 'tool.call.dispatched';
      await this.budget.settle(
        held,
        events.find((e) => e.type === type),
      );
    }
    return events;
  }

  private async toolSpecs() {
    const specs = await this.tools.modelSpecs();
    if (grantOf(this.spec, 'delegate') && this.spec.delegates.length > 0) {
      specs.push({
        name: 'delegate',
        description:
          'Spawn a subagent of the team with a task; its report comes back as this call’s result.',
        parameters: delegateArgs(this.spec.delegates).toJSONSchema(),
      });
    }
    return specs;
  }

  private async runToolCall(call: ToolCallState, resumed: boolean): Promise<TurnOutcome | null> {
    const hold = await this.holdIfBreakerOpen(this.requireAgent());
    if (hold) return hold;
    // The gate's allow is recorded in the same append as the dispatch it allows.
    let gated: EventDraft[] = [];
    // Budget: a tool call is reserved after the gate allows it, settled when it is dispatched.
    let held: HeldReservation | null = null;
    if (!resumed) {
      const verdict = await this.gateToolCall(call);
      if (verdict.kind !== 'allowed') return verdict.kind === 'parked' ? 'blocked' : null;
      gated = [verdict.draft];
      const reserved = await this.budget.beforeToolCall(this.requireAgent(), call.callId);
      if (!isHeld(reserved)) return reserved.outcome;
      held = reserved;
    }
    if (call.tool === 'delegate') {
      await this.delegate(call, gated, held);
      return null;
    }
    const spanId = call.spanId ?? newSpanId();
    // The gate checked the grant and the arguments; a resumed call checks them again.
    const resolved = await this.tools.resolve(call.tool);
    const parsed = resolved?.tool.args.safeParse(call.args);
    if (!resolved || !parsed?.success) {
      if (held) await this.budget.release(held);
      await this.record([
        this.draft(
          'tool.call.finished',
          {
            callId: call.callId,
            tool: call.tool,
            ok: false,
            output: 'refused: not available',
            durationMs: 0,
          },
          this.turnSpan(),
          spanId,
        ),
      ]);
      return null;
    }
    const { tool, grant } = resolved;
    const idempotent = tool.isIdempotent?.(parsed.data) ?? tool.idempotent;
    if (resumed && !idempotent) {
      // Another execution of this turn may still be running it (its job was lost with Redis and
      // queued again): its result is coming, so wait for it rather than interrupt the call.
      if (await callLeaseHeld(this.deps.engine, call.callId)) return 'deferred';
      // It may have had its effect: never repeat it without a human decision.
      await this.act([
        this.draft(
          'tool.call.interrupted',
          {
            callId: call.callId,
            tool: call.tool,
            reason:
              'the worker running this call stopped before it finished; the tool is not safe to repeat',
          },
          this.turnSpan(),
          spanId,
        ),
      ]);
      return 'blocked';
    }
    if (!resumed) {
      await this.withReservation(held, () =>
        this.act([
          ...gated,
          this.draft(
            'tool.call.dispatched',
            { callId: call.callId, tool: call.tool, args: call.args },
            this.turnSpan(),
            spanId,
          ),
        ]),
      );
    }
    const started = performance.now();
    const workspace = await this.workspace();
    const execute = async () => {
      // A call that must not run twice is leased while it runs (see callLeaseHeld above).
      const lease = idempotent ? null : await holdCallLease(this.deps.engine, call.callId);
      try {
        return await tool.run(parsed.data, {
          callId: call.callId,
          workspace,
          signal: this.signal,
          grant,
        });
      } finally {
        await lease?.release();
      }
    };
    const finished = (result: { ok: boolean; output: string }, durationMs: number) =>
      this.draft(
        'tool.call.finished',
        {
          callId: call.callId,
          tool: call.tool,
          ok: result.ok,
          output: capOutput(result.output),
          durationMs,
        },
        this.turnSpan(),
        spanId,
      );
    if (tool.readOnly) {
      const result = await execute();
      await this.record([finished(result, Math.round(performance.now() - started))]);
      return null;
    }
    // What the call changed in the workspace is recorded with its result, as one commit.
    if (this.deps.workspaceLock) {
      const { result, durationMs, committed } = await this.deps.workspaceLock(
        async () => {
          const result = await execute();
          const durationMs = Math.round(performance.now() - started);
          return { result, durationMs, committed: await this.snapshotWorkspace(call, spanId) };
        },
        { callId: call.callId },
      );
      await this.record([finished(result, durationMs), ...(committed ? [committed] : [])]);
      return null;
    }
    const result = await execute();
    const durationMs = Math.round(performance.now() - started);
    // Snapshot and append under the run's workspace lock: each commit's parent is the one recorded before it.
    await withWorkspaceLock(this.deps.engine, this.job.runId, async () => {
      const committed = await this.snapshotWorkspace(call, spanId);
      await this.record([finished(result, durationMs), ...(committed ? [committed] : [])]);
    }).catch(async (error: unknown) => {
      if (!(error instanceof WorkspaceBusyError)) throw error;
      // The workspace stayed busy (a long rollback): the result must not wait; the next snapshot catches up.
      await this.record([finished(result, durationMs)]);
    });
    return null;
  }

  /**
   * A commit of the workspace after a tool call, on top of the last commit the
   * log recorded; null when nothing changed. A history that cannot be written
   * never fails the call: it is logged, and the next snapshot catches up.
   */
  private async snapshotWorkspace(call: ToolCallState, spanId: string): Promise<EventDraft | null> {
    try {
      await this.context.refresh();
      const { commit, tree } = this.state.workspace;
      const snapshot = await snapshotWorkspace(
        this.deps.engine.config.workspaceRoot,
        this.job.runId,
        {
          parent: commit && tree ? { commit, tree } : null,
          message: `${call.tool} ${call.callId}\n\nrun ${this.job.runId}\nagent ${this.job.agentId}\n`,
        },
      );
      return snapshot
        ? this.draft('workspace.committed', { callId: call.callId, ...snapshot }, spanId)
        : null;
    } catch (error) {
      this.deps.log.warn('workspace snapshot failed', { ...this.job, callId: call.callId, error });
      return null;
    }
  }

  /**
   * The gate, before a requested call: scope (what the manifest grants, with
   * valid arguments), then an approval of exactly this call, then the policy.
   * Its decision is recorded; `ask` parks the agent on a new approval.
   */
  private async gateToolCall(
    call: ToolCallState,
  ): Promise<{ kind: 'allowed'; draft: EventDraft } | { kind: 'refused' | 'parked' }> {
    const agent = this.requireAgent();
    const scope = await this.scopeRefusal(call);
    let decision: GateDecision =
      scope !== null
        ? {
            effect: 'deny',
            ruleId: null,
            source: 'scope',
            policyVersion: `m${this.state.manifestVersion ?? 0}`,
            reason: scope,
          }
        : (this.gate.approvedDecision(agent, call) ??
          (await this.gate.decide(agent, 'tool', call.tool, call.args)));
    // A fork may repeat what its origin did: side effects need a human's approval.
    if (this.state.forkedFrom && decision.effect === 'allow' && decision.source !== 'approval') {
      decision = gateInFork(decision, {
        forked: true,
        idempotent: await this.isIdempotent(call),
        allowedRules: this.state.allowedRules,
        approvals: await this.gate.approvalSettings(),
      });
    }
    const gated = this.gateDraft('tool', call.callId, call.tool, decision);
    if (decision.effect === 'allow') return { kind: 'allowed', draft: gated };
    if (decision.effect === 'deny') {
      await this.act([gated]);
      return { kind: 'refused' };
    }
    const settings = decision.approval!;
    const now = Date.now();
    const expiresAt = new Date(now + settings.ttlSeconds * 1000).toISOString();
    const warnAt = new Date(
      now + Math.max(0, settings.ttlSeconds - settings.warnBeforeSeconds) * 1000,
    ).toISOString();
    const approvalId = randomUUID();
    await this.act([
      gated,
      this.draft(
        'approval.requested',
        {
          approvalId,
          callId: call.callId,
          tool: call.tool,
          args: call.args,
          fingerprint: this.gate.fingerprint(agent, call),
          ruleId: decision.ruleId,
          reason: decision.reason,
          risk: decision.risk ?? null,
          diff: await this.gate.diffFor(call, await this.workspace()),
          requestedBy: this.state.startedBy ?? { kind: 'system', id: 'flightdeck' },
          settings,
          warnAt,
          expiresAt,
        },
        this.turnSpan(),
      ),
    ]);
    await scheduleApprovalTimers(this.deps.engine, {
      runId: this.job.runId,
      approvalId,
      warnAt,
      expiresAt,
    });
    await announceApproval(this.deps.engine, approvalId, 'approval.requested');
    return { kind: 'parked' };
  }

  /** Whether running this call again is harmless (delegating is: it only spawns a subagent). */
  private async isIdempotent(call: ToolCallState): Promise<boolean> {
    if (call.tool === 'delegate') return true;
    const resolved = await this.tools.resolve(call.tool);
    const parsed = resolved?.tool.args.safeParse(call.args);
    if (!resolved || !parsed?.success) return false;
    return resolved.tool.isIdempotent?.(parsed.data) ?? resolved.tool.idempotent;
  }

  /** Why the call is outside the agent's scope (not granted, or invalid arguments); null if inside. */
  private async scopeRefusal(call: ToolCallState): Promise<string | null> {
    if (call.tool === 'delegate') return null; // checked by delegate(): depth, children, narrowing
    const resolved = await this.tools.resolve(call.tool);
    if (!resolved) return `tool "${call.tool}" is not available to this agent`;
    const parsed = resolved.tool.args.safeParse(call.args);
    if (!parsed.success) return `invalid arguments: ${describeIssues(parsed.error.issues)}`;
    return null;
  }

  private gateDraft(
    subject: 'tool' | 'model',
    callId: string,
    tool: string,
    decision: GateDecision,
    recorded: GateDecision = decision,
    /** What the budget reserved for this call (model calls). */
    reserved?: BudgetAmounts,
  ): EventDraft {
    return this.draft(
      'gate.decided',
      {
        subject,
        callId,
        tool,
        effect: recorded.effect,
        ruleId: recorded.ruleId,
        source: recorded.source,
        policyVersion: recorded.policyVersion,
        reason: recorded.reason,
        ...(reserved ? { reserved } : {}),
      },
      this.turnSpan(),
    );
  }

  private async delegate(
    call: ToolCallState,
    gated: EventDraft[],
    held: HeldReservation | null,
  ): Promise<void> {
    const agent = this.requireAgent();
    const spanId = call.spanId ?? newSpanId();
    const limits = this.context.manifest.limits;
    const parsed = delegateArgs(this.spec.delegates.length ? this.spec.delegates : ['-']).safeParse(
      call.args,
    );
    const refusal = ((): string | null => {
      if (!grantOf(this.spec, 'delegate') || this.spec.delegates.length === 0)
        return 'this agent may not delegate';
      if (!parsed.success) return `invalid arguments: ${describeIssues(parsed.error.issues)}`;
      if (agent.depth + 1 > limits.maxDepth)
        return `delegation depth limit reached (${limits.maxDepth})`;
      if (agent.children.length >= limits.maxChildrenPerAgent)
        return `children limit reached (${limits.maxChildrenPerAgent} per agent)`;
      return scopeRefusal(
        this.context.manifest.agents[parsed.data.agent],
        parsed.data.agent,
        parsed.data.tools,
      );
    })();
    // A budget slice handed to the subagent can only narrow: never more than this agent has left.
    const slice =
      parsed.success && parsed.data.budget ? sliceFromDelegate(parsed.data.budget) : null;
    const budgetRefusal =
      !refusal && slice && hasLimits(slice)
        ? sliceRefusal(slice, await remainingFor(this.deps.engine, this.state, agent.id))
        : null;

    const dispatched = this.draft(
      'tool.call.dispatched',
      { callId: call.callId, tool: call.tool, args: call.args },
      this.turnSpan(),
      spanId,
    );
    if (refusal || budgetRefusal || !parsed.success) {
      await this.withReservation(held, () =>
        this.act([
          ...gated,
          ...(call.status === 'requested' ? [dispatched] : []),
          this.draft(
            'tool.call.finished',
            {
              callId: call.callId,
              tool: call.tool,
              ok: false,
              output: refusal ?? budgetRefusal ?? 'refused',
              durationMs: 0,
            },
            this.turnSpan(),
            spanId,
          ),
        ]),
      );
      return;
    }
    const childSpec = this.context.manifest.agents[parsed.data.agent];
    if (!childSpec)
      throw new DomainError('INVALID_MANIFEST', `agent "${parsed.data.agent}" is not declared`);
    const childId = randomUUID();
    // Dispatch and spawn in one append: there is no state in which one happened without the other.
    await this.withReservation(held, () =>
      this.act([
        ...gated,
        ...(call.status === 'requested' ? [dispatched] : []),
        {
          type: 'agent.spawned',
          at: now(),
          agentId: childId,
          traceId: this.traceId(),
          spanId: newSpanId(),
          parentSpanId: spanId,
          payload: {
            parentAgentId: agent.id,
            parentCallId: call.callId,
            name: parsed.data.agent,
            role: childSpec.role,
            model: childSpec.model,
            task: parsed.data.task,
            depth: agent.depth + 1,
            toolScope: parsed.data.tools ?? null,
            ...(slice && hasLimits(slice) ? { budget: slice } : {}),
          },
        },
      ]),
    );
    await enqueue(this.deps.engine.queues, 'agent.turn', {
      runId: this.job.runId,
      agentId: childId,
      turn: 1,
    });
  }

  /** The agent is done (or failed): tell its parent, or end the run if it led. */
  private async endAgent(result: { ok: boolean; text: string }): Promise<void> {
    const agent = this.requireAgent();
    const drafts: EventDraft[] = [
      result.ok
        ? this.draft('agent.finished', { result: result.text }, agent.spanId)
        : this.draft('agent.failed', { error: result.text }, agent.spanId),
    ];
    const parent = agent.parentId ? this.state.agents[agent.parentId] : undefined;
    if (parent && agent.parentCallId) {
      const parentCall = parent.turn?.toolCalls.find((c) => c.callId === agent.parentCallId);
      drafts.push({
        type: 'tool.call.finished',
        at: now(),
        agentId: parent.id,
        traceId: this.traceId(),
        spanId: parentCall?.spanId ?? newSpanId(),
        parentSpanId: parent.turn?.spanId ?? parent.spanId,
        payload: {
          callId: agent.parentCallId,
          tool: 'delegate',
          ok: result.ok,
          output: capOutput(
            result.ok ? result.text : `subagent ${agent.name} failed: ${result.text}`,
          ),
          durationMs: 0,
        },
      });
    } else if (!agent.parentId) {
      drafts.push(
        result.ok
          ? this.draft(
              'run.completed',
              { result: result.text },
              this.state.rootSpanId,
              newSpanId(),
              null,
            )
          : this.draft(
              'run.failed',
              { error: `lead agent failed: ${result.text}` },
              this.state.rootSpanId,
              newSpanId(),
              null,
            ),
      );
    }
    await this.act(drafts);
    await this.ensureContinuations();
  }

  /**
   * Queue what should run next: this agent's next turn if it is ready, and its
   * parent's if this result was the last it waited for. Job ids are derived, so
   * queueing twice is harmless; a retry of a job that crashed after its append
   * re-queues what the crash would have lost.
   */
  private async ensureContinuations(): Promise<void> {
    if (this.state.status !== 'running') return;
    const agent = this.agent;
    for (const candidate of [agent?.id, agent?.parentId]) {
      const turn = candidate ? pendingTurnOf(this.state, candidate) : null;
      if (
        candidate &&
        turn !== null &&
        !(candidate === this.job.agentId && turn === this.job.turn)
      ) {
        await enqueueTurn(this.deps.engine.queues, {
          runId: this.job.runId,
          agentId: candidate,
          turn,
        });
      }
    }
  }

  private async workspace(): Promise<string> {
    const dir = path.resolve(this.deps.engine.config.workspaceRoot, this.job.runId);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * Record facts (results that happened): never refused for staleness. The
   * result of a call is kept while the database is down (a restart, a
   * failover) and recorded once it answers again, rather than lost with the
   * job: the model is not paid twice, and a tool that must not run twice is
   * not left interrupted. Safe to repeat: a call ends once (the store refuses
   * a second ending, e.g. when the first append committed but its answer was
   * lost with the connection).
   */
  private async record(drafts: EventDraft[]) {
    const endsCall = drafts.some((d) => callLifecycleRole(d) === 'closes');
    const deadline = Date.now() + FACT_RETRY_MS;
    for (let pause = 250; ; pause = Math.min(pause * 2, 2_000)) {
      try {
        return await this.context.record(drafts);
      } catch (error) {
        if (
          !endsCall ||
          !isDatabaseUnavailableError(error) ||
          this.signal.aborted ||
          Date.now() + pause > deadline
        )
          throw error;
        this.deps.log.warn('database unavailable; recording the result again shortly', {
          runId: this.job.runId,
          agentId: this.job.agentId,
          error,
        });
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  }

  /**
   * Record a decision to act, fenced: it is refused (STALE_STATE) if anything
   * about this agent changed since the decision was made, or if the run is not
   * in one of `runStatuses` — so a pause, kill or steer always wins the race.
   */
  private act(drafts: EventDraft[], runStatuses?: readonly RunState['status'][]) {
    // Decided on a running run, it is refused once the run is paused (a pause, a breaker trip or
    // a budget stop wins the race): the step is decided again on the paused state. In a paused
    // run, a turn in flight finishes its steps only under a `finish-turn` pause.
    const decidedOn = this.state.status;
    return this.context.record(drafts, {
      agentId: this.job.agentId,
      runStatuses:
        runStatuses ??
        (decidedOn === 'running' || decidedOn === 'paused' ? [decidedOn] : ['running', 'paused']),
      pausedModes: ['finish-turn'],
    });
  }

  /** A draft about the whole run (breakers): no agent, a child of the run's root span. */
  private runDraft<T extends EventDraft['type']>(
    type: T,
    payload: Extract<EventDraft, { type: T }>['payload'],
  ): EventDraft {
    return {
      type,
      at: now(),
      agentId: null,
      traceId: this.traceId(),
      spanId: newSpanId(),
      parentSpanId: this.state.rootSpanId,
      payload,
    } as EventDraft;
  }

  private traceId(): string {
    return this.state.traceId ?? '0'.repeat(32);
  }

  private turnSpan(): string {
    const agent = this.requireAgent();
    return agent.turn?.spanId ?? agent.spanId;
  }

  private draft<T extends EventDraft['type']>(
    type: T,
    payload: Extract<EventDraft, { type: T }>['payload'],
    parentSpanId: string | null,
    spanId: string = newSpanId(),
    agentId: string | null = this.job.agentId,
  ): EventDraft {
    return {
      type,
      at: now(),
      agentId,
      traceId: this.traceId(),
      spanId,
      parentSpanId,
      payload,
    } as EventDraft;
  }
}
