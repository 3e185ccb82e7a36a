import type { RunEvent } from '@flightdeck/domain';
import { Fd, GenAi, GenAiOperation } from './attributes';
import type {
  DerivedSpan,
  DerivedSpanKind,
  DeriveOptions,
  OtelSpanKind,
  SpanAttributes,
  SpanStatus,
} from './types';

/**
 * The span tree of a run, derived from its event log — pure, no I/O.
 *
 * Spans, and the events that open and end them (as the writers record them):
 *
 *   run    run.started (its spanId is the root)   → run.completed | run.failed | run.killed
 *   agent  agent.spawned (parent: the root, or the parent's delegate tool span)
 *                                                  → agent.finished | agent.failed | agent.killed
 *   turn   agent.turn.started (parent: agent)     → agent.turn.finished, or the agent's end
 *   llm    llm.call.started (parent: turn)        → llm.call.finished | llm.call.failed (same spanId)
 *   tool   tool.call.dispatched (parent: turn)    → tool.call.finished (same spanId), or
 *                                                    tool.call.resolved skip | mark-done
 *
 * Everything else (pauses, resumes, steering, interruptions, and any event type
 * added later — gate decisions, approvals) becomes a span event on the span it
 * names (its spanId if that is a span, else its parentSpanId, else its agent's,
 * else the root). The end of a run ends every span still open; the end of an
 * agent ends its open turn, model and tool spans. Spans still open are returned
 * with `endTime: null`.
 */
export function spansFromEvents(
  events: readonly RunEvent[],
  options: DeriveOptions = {},
): DerivedSpan[] {
  const deriver = new SpanDeriver(options);
  for (const event of events) deriver.apply(event);
  return deriver.spans();
}

export interface SpanDeriverOptions extends DeriveOptions {
  /**
   * Keep ended spans after `takeEnded()` has handed them out (the default). A
   * streaming consumer that exports each span once turns this off so memory
   * holds only what is open.
   */
  retainEnded?: boolean;
}

/** The envelope every event has, whatever its type — including types added after this code. */
interface Envelope {
  type: string;
  runId: string;
  seq: number;
  at: string;
  agentId: string | null;
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
}

type EventOf<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>;

interface AgentInfo {
  id: string;
  spanId: string;
  name: string;
  role: string;
  provider: string;
  model: string;
}

interface Totals {
  inputTokens: number;
  outputTokens: number;
  costMicroUsd: number;
  llmCalls: number;
  toolCalls: number;
  turns: number;
}

const zeroTotals = (): Totals => ({
  inputTokens: 0,
  outputTokens: 0,
  costMicroUsd: 0,
  llmCalls: 0,
  toolCalls: 0,
  turns: 0,
});

/** How a span ends: its status, the `error.type` of an error, whether it was abandoned (ended by something else's end). */
interface Ending {
  status: SpanStatus;
  errorType?: string;
  abandoned?: boolean;
}

const OK: Ending = { status: { code: 'ok' } };
const abandoned = (message: string): Ending => ({
  status: { code: 'error', message },
  errorType: 'abandoned',
  abandoned: true,
});
const failed = (message: string, errorType: string): Ending => ({
  status: { code: 'error', message },
  errorType,
});

const DEFAULT_MAX_CONTENT = 4096;

/**
 * The incremental form of `spansFromEvents`: apply events in seq order, take
 * the spans that ended. Used by the streaming exporter, which must not re-derive
 * a whole log on every append.
 */
export class SpanDeriver {
  private readonly table = new Map<string, DerivedSpan>();
  private readonly endedIds = new Set<string>();
  private ended: DerivedSpan[] = [];
  private readonly agents = new Map<string, AgentInfo>();
  private readonly openTurns = new Map<string, string>();
  private readonly openLlm = new Map<string, string>();
  private readonly openTools = new Map<string, string>();
  private readonly agentTotals = new Map<string, Totals>();
  private readonly runTotals = zeroTotals();
  private rootSpanId: string | null = null;
  private runId: string | null = null;
  private traceId: string | null = null;
  private finished = false;
  private seq = 0;
  private readonly captureContent: boolean;
  private readonly maxContent: number;
  private readonly retainEnded: boolean;

  constructor(options: SpanDeriverOptions = {}) {
    this.captureContent = options.captureContent ?? false;
    this.maxContent = options.maxContentLength ?? DEFAULT_MAX_CONTENT;
    this.retainEnded = options.retainEnded ?? true;
  }

  /** The seq of the last event applied (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  /** Whether the run's terminal event has been applied. */
  get runEnded(): boolean {
    return this.finished;
  }

  /** Every span known (open and, unless pruned, ended), in the order they opened. */
  spans(): DerivedSpan[] {
    return [...this.table.values()].map(snapshot);
  }

  /** The spans still open. */
  openSpans(): DerivedSpan[] {
    return [...this.table.values()].filter((s) => s.endTime === null).map(snapshot);
  }

  /** The spans that ended since the last call, each exactly once, in the order they ended. */
  takeEnded(): DerivedSpan[] {
    const out = this.ended.map(snapshot);
    if (!this.retainEnded) for (const span of this.ended) this.table.delete(span.spanId);
    this.ended = [];
    return out;
  }

  apply(event: RunEvent): void {
    const envelope: Envelope = event;
    this.seq = Math.max(this.seq, event.seq);
    this.runId ??= event.runId;
    this.traceId ??= event.traceId;
    switch (event.type) {
      case 'run.started':
        return this.runStarted(event);
      case 'run.completed':
        return this.runEnd(event, OK);
      case 'run.failed':
        return this.runEnd(event, failed(this.text(event.payload.error), 'run_failed'));
      case 'run.killed':
        return this.runEnd(event, failed(killedMessage(event.payload), 'killed'));
      case 'run.paused':
      case 'agent.paused':
        return this.point(event, {
          ...actor(event.payload.by),
          [Fd.reason]: this.text(event.payload.reason),
          [Fd.pauseMode]: event.payload.mode,
        });
      case 'run.resumed':
      case 'agent.resumed':
        return this.point(event, actor(event.payload.by));
      case 'agent.steered':
        return this.point(event, {
          ...actor(event.payload.by),
          [Fd.steerLength]: event.payload.message.length,
          ...(this.captureContent ? { [Fd.steerMessage]: this.text(event.payload.message) } : {}),
        });
      case 'agent.spawned':
        return this.agentSpawned(event);
      case 'agent.turn.started':
        return this.turnStarted(event);
      case 'agent.turn.finished':
        return this.turnFinished(event);
      case 'agent.finished':
        return this.agentEnd(event, OK);
      case 'agent.failed':
        return this.agentEnd(event, failed(this.text(event.payload.error), 'agent_failed'));
      case 'agent.killed':
        return this.agentEnd(event, failed(killedMessage(event.payload), 'killed'));
      case 'llm.call.started':
        return this.llmStarted(event);
      case 'llm.call.finished':
        return this.llmFinished(event);
      case 'llm.call.failed':
        return this.llmFailed(event);
      case 'tool.call.dispatched':
        return this.toolDispatched(event);
      case 'tool.call.finished':
        return this.toolFinished(event);
      case 'tool.call.interrupted':
        return this.toolInterrupted(event);
      case 'tool.call.resolved':
        return this.toolResolved(event);
      default:
        // An event type this code does not know yet: a point on the span it names.
        return this.point(envelope, {});
    }
  }

  // ── run ────────────────────────────────────────────────────────────────

  private runStarted(event: EventOf<'run.started'>): void {
    const p = event.payload;
    this.rootSpanId = event.spanId;
    this.open(event, {
      kind: 'run',
      spanKind: 'internal',
      name: `${GenAiOperation.invokeWorkflow} ${p.teamName}`,
      parentSpanId: event.parentSpanId,
      agentId: null,
      attributes: {
        [GenAi.operationName]: GenAiOperation.invokeWorkflow,
        [GenAi.workflowName]: p.teamName,
        [GenAi.conversationId]: event.runId,
        [Fd.runId]: event.runId,
        [Fd.teamId]: p.teamId,
        [Fd.teamName]: p.teamName,
        [Fd.manifestVersion]: p.manifestVersion,
        [Fd.runSeed]: p.seed,
        ...actor(p.by),
        ...(this.captureContent ? { [Fd.runGoal]: this.text(p.goal) } : {}),
      },
    });
  }

  private runEnd(
    event: EventOf<'run.completed' | 'run.failed' | 'run.killed'>,
    ending: Ending,
  ): void {
    const { errorType } = ending;
    const root = this.rootSpan(event);
    const outcome = event.type.slice('run.'.length);
    if (event.type === 'run.killed') {
      const p = event.payload;
      this.addEvent(root, event, { ...actor(p.by), [Fd.reason]: this.text(p.reason) });
    }
    // Whatever is still open ends with the run: deepest first, the root last.
    const cascade = errorType
      ? failed(`the run ${outcome}`, errorType)
      : abandoned('the run completed while this was still open');
    for (const span of [...this.table.values()].reverse()) {
      if (span.endTime === null && span !== root) this.end(span, event, cascade);
    }
    if (root) {
      root.attributes[Fd.runStatus] = outcome;
      this.setTotals(root, this.runTotals);
      this.end(root, event, ending);
    }
    this.finished = true;
  }

  private rootSpan(event: Envelope): DerivedSpan | undefined {
    const known = this.rootSpanId ? this.table.get(this.rootSpanId) : undefined;
    if (known) return known;
    if (this.rootSpanId && this.endedIds.has(this.rootSpanId)) return undefined;
    // The run's start is not in what we saw: the terminal event names the root as its parent.
    const rootId = this.rootSpanId ?? event.parentSpanId;
    if (!rootId) return undefined;
    this.rootSpanId = rootId;
    return this.partial(rootId, event, {
      kind: 'run',
      spanKind: 'internal',
      name: GenAiOperation.invokeWorkflow,
      parentSpanId: null,
      agentId: null,
      attributes: { [GenAi.operationName]: GenAiOperation.invokeWorkflow, [Fd.runId]: event.runId },
    });
  }

  // ── agents and turns ───────────────────────────────────────────────────

  private agentSpawned(event: EventOf<'agent.spawned'>): void {
    const p = event.payload;
    const id = event.agentId;
    if (!id || this.agents.has(id)) return this.point(event, {});
    const info: AgentInfo = {
      id,
      spanId: event.spanId,
      name: p.name,
      role: p.role,
      provider: p.model.provider,
      model: p.model.name,
    };
    this.agents.set(id, info);
    this.agentTotals.set(id, zeroTotals());
    const scope = (p as { toolScope?: unknown }).toolScope;
    this.open(event, {
      kind: 'agent',
      spanKind: 'internal',
      name: `${GenAiOperation.invokeAgent} ${p.name}`,
      parentSpanId: event.parentSpanId ?? this.rootSpanId,
      agentId: id,
      attributes: {
        [GenAi.operationName]: GenAiOperation.invokeAgent,
        [GenAi.providerName]: p.model.provider,
        [GenAi.requestModel]: p.model.name,
        ...this.agentAttributes(id),
        [GenAi.agentDescription]: p.role,
        [Fd.agentRole]: p.role,
        [Fd.agentDepth]: p.depth,
        ...(p.parentAgentId ? { [Fd.agentParentId]: p.parentAgentId } : {}),
        ...(p.parentCallId ? { [Fd.agentParentCallId]: p.parentCallId } : {}),
        ...(Array.isArray(scope)
          ? { [Fd.agentToolScope]: scope.filter((s): s is string => typeof s === 'string') }
          : {}),
        ...(this.captureContent ? { [Fd.agentTask]: this.text(p.task) } : {}),
      },
    });
    // The delegate call that created this agent lists it.
    const delegate = event.parentSpanId ? this.table.get(event.parentSpanId) : undefined;
    if (delegate?.kind === 'tool') {
      const ids = delegate.attributes[Fd.delegateAgentIds];
      delegate.attributes[Fd.delegateAgentIds] = [
        ...(Array.isArray(ids) ? (ids as string[]) : []),
        id,
      ];
    }
  }

  private turnStarted(event: EventOf<'agent.turn.started'>): void {
    const agentId = event.agentId;
    if (!agentId) return this.point(event, {});
    const previous = this.openSpan(this.openTurns.get(agentId));
    if (previous)
      this.end(previous, event, abandoned('a new turn started while this one was open'));
    const info = this.agents.get(agentId);
    const turn = event.payload.turn;
    this.open(event, {
      kind: 'turn',
      spanKind: 'internal',
      name: `turn ${info?.name ?? 'agent'}`,
      parentSpanId: event.parentSpanId ?? info?.spanId ?? null,
      agentId,
      attributes: { ...this.agentAttributes(agentId), [Fd.turn]: turn },
    });
    this.openTurns.set(agentId, event.spanId);
    this.count(agentId, (t) => (t.turns += 1));
  }

  private turnFinished(event: EventOf<'agent.turn.finished'>): void {
    const agentId = event.agentId;
    const span =
      this.openSpan(agentId ? this.openTurns.get(agentId) : undefined) ??
      // The turn's start is not in what we saw: the finish names the turn span as its parent.
      (event.parentSpanId &&
      !this.endedIds.has(event.parentSpanId) &&
      !this.table.has(event.parentSpanId)
        ? this.partial(event.parentSpanId, event, {
            kind: 'turn',
            spanKind: 'internal',
            name: `turn ${(agentId && this.agents.get(agentId)?.name) || 'agent'}`,
            parentSpanId: (agentId && this.agents.get(agentId)?.spanId) || null,
            agentId,
            attributes: {
              ...(agentId ? this.agentAttributes(agentId) : {}),
              [Fd.turn]: event.payload.turn,
            },
          })
        : undefined);
    if (!span) return this.point(event, { [Fd.turn]: event.payload.turn });
    this.end(span, event, OK);
  }

  private agentEnd(
    event: EventOf<'agent.finished' | 'agent.failed' | 'agent.killed'>,
    ending: Ending,
  ): void {
    const { errorType } = ending;
    const agentId = event.agentId;
    const info = agentId ? this.agents.get(agentId) : undefined;
    const spanId = info?.spanId ?? event.parentSpanId;
    let span = this.openSpan(spanId ?? undefined);
    if (!span && spanId && !this.endedIds.has(spanId) && !this.table.has(spanId)) {
      span = this.partial(spanId, event, {
        kind: 'agent',
        spanKind: 'internal',
        name: GenAiOperation.invokeAgent,
        parentSpanId: this.rootSpanId,
        agentId,
        attributes: {
          [GenAi.operationName]: GenAiOperation.invokeAgent,
          ...(agentId ? this.agentAttributes(agentId) : {}),
        },
      });
    }
    if (event.type === 'agent.killed')
      this.addEvent(span, event, {
        ...actor(event.payload.by),
        [Fd.reason]: this.text(event.payload.reason),
      });
    if (agentId) {
      const outcome = event.type.slice('agent.'.length);
      // The agent's open work ends with it; a finished agent's open turn simply ends.
      const turnEnding = errorType ? failed(`the agent ${outcome}`, errorType) : OK;
      const workEnding = errorType
        ? turnEnding
        : abandoned('the agent finished while this was still open');
      for (const index of [this.openLlm, this.openTools]) {
        for (const [key, id] of [...index]) {
          if (key === agentId || key.startsWith(`${agentId}\u0000`)) {
            const open = this.openSpan(id);
            if (open) this.end(open, event, workEnding);
          }
        }
      }
      const turn = this.openSpan(this.openTurns.get(agentId));
      if (turn) this.end(turn, event, turnEnding);
    }
    if (!span) return;
    span.attributes[Fd.agentStatus] = event.type.slice('agent.'.length);
    if (agentId) this.setTotals(span, this.agentTotals.get(agentId) ?? zeroTotals());
    this.end(span, event, ending);
  }

  // ── model calls ────────────────────────────────────────────────────────

  private llmStarted(event: EventOf<'llm.call.started'>): void {
    const agentId = event.agentId;
    if (!agentId) return this.point(event, {});
    // A started call never finished (its worker stopped), and the turn is calling again.
    const previous = this.openSpan(this.openLlm.get(agentId));
    if (previous && previous.spanId !== event.spanId) {
      this.end(previous, event, abandoned('the call was started again after its worker stopped'));
    }
    const p = event.payload;
    this.open(event, {
      kind: 'llm',
      spanKind: 'client',
      name: `${GenAiOperation.chat} ${p.model.name}`,
      parentSpanId: event.parentSpanId ?? this.openTurns.get(agentId) ?? null,
      agentId,
      attributes: {
        [GenAi.operationName]: GenAiOperation.chat,
        [GenAi.providerName]: p.model.provider,
        [GenAi.requestModel]: p.model.name,
        ...this.agentAttributes(agentId),
        [Fd.callId]: p.callId,
        [Fd.turn]: p.turn,
      },
    });
    this.openLlm.set(agentId, event.spanId);
  }

  /** The model-call span an llm result belongs to: open, ended before (a late result), or never seen. */
  private llmSpan(event: EventOf<'llm.call.finished' | 'llm.call.failed'>): {
    span: DerivedSpan | undefined;
    late: boolean;
  } {
    const open =
      this.openSpan(event.spanId) ??
      this.openSpan(event.agentId ? this.openLlm.get(event.agentId) : undefined);
    if (
      open &&
      (open.spanId === event.spanId || open.attributes[Fd.callId] === event.payload.callId)
    )
      return { span: open, late: false };
    if (this.endedIds.has(event.spanId)) return { span: this.table.get(event.spanId), late: true };
    const agentId = event.agentId;
    const info = agentId ? this.agents.get(agentId) : undefined;
    const span = this.partial(event.spanId, event, {
      kind: 'llm',
      spanKind: 'client',
      name: info ? `${GenAiOperation.chat} ${info.model}` : GenAiOperation.chat,
      parentSpanId: event.parentSpanId,
      agentId,
      attributes: {
        [GenAi.operationName]: GenAiOperation.chat,
        ...(info ? { [GenAi.providerName]: info.provider, [GenAi.requestModel]: info.model } : {}),
        ...(agentId ? this.agentAttributes(agentId) : {}),
        [Fd.callId]: event.payload.callId,
      },
    });
    return { span, late: false };
  }

  private llmFinished(event: EventOf<'llm.call.finished'>): void {
    const p = event.payload;
    if (event.agentId) {
      this.count(event.agentId, (t) => {
        t.inputTokens += p.usage.inputTokens;
        t.outputTokens += p.usage.outputTokens;
        t.costMicroUsd += p.costMicroUsd;
        t.llmCalls += 1;
      });
    }
    const { span, late } = this.llmSpan(event);
    if (!span) return;
    const attributes: SpanAttributes = {
      [GenAi.usageInputTokens]: p.usage.inputTokens,
      [GenAi.usageOutputTokens]: p.usage.outputTokens,
      [GenAi.responseFinishReasons]: [p.finishReason],
      [Fd.costMicroUsd]: p.costMicroUsd,
      [Fd.priceVersion]: p.priceVersion,
      [Fd.latencyMs]: p.latencyMs,
      [Fd.llmToolCallCount]: p.toolCalls.length,
      ...(this.captureContent
        ? { [GenAi.outputMessages]: this.text(JSON.stringify([outputMessage(p)])) }
        : {}),
    };
    Object.assign(span.attributes, attributes);
    if (late) {
      // The call ended with its agent (killed); the tokens were spent all the same.
      this.addEvent(
        span,
        event,
        {
          [GenAi.usageInputTokens]: p.usage.inputTokens,
          [GenAi.usageOutputTokens]: p.usage.outputTokens,
          [Fd.costMicroUsd]: p.costMicroUsd,
        },
        'llm.call.finished (late)',
      );
      this.refreshAgentTotals(event.agentId);
      return;
    }
    this.end(
      span,
      event,
      p.finishReason === 'error'
        ? failed('the model finished with an error', 'finish_reason_error')
        : OK,
    );
  }

  private llmFailed(event: EventOf<'llm.call.failed'>): void {
    const p = event.payload;
    const { span, late } = this.llmSpan(event);
    if (!span) return;
    span.attributes[Fd.llmRetryable] = p.retryable;
    if (late) {
      this.addEvent(span, event, { [Fd.error]: this.text(p.error) }, 'llm.call.failed (late)');
      return;
    }
    this.end(span, event, failed(this.text(p.error), '_OTHER'));
  }

  // ── tool calls ─────────────────────────────────────────────────────────

  private toolDispatched(event: EventOf<'tool.call.dispatched'>): void {
    const agentId = event.agentId;
    const p = event.payload;
    if (agentId) this.count(agentId, (t) => (t.toolCalls += 1));
    const again = this.openSpan(event.spanId);
    if (again) {
      // Dispatched again after a human chose to retry an interrupted call.
      const dispatches = again.attributes[Fd.toolDispatches];
      again.attributes[Fd.toolDispatches] = (typeof dispatches === 'number' ? dispatches : 1) + 1;
      this.addEvent(again, event, {});
      return;
    }
    if (this.endedIds.has(event.spanId)) return this.point(event, {});
    this.open(event, {
      kind: 'tool',
      spanKind: 'internal',
      name: `${GenAiOperation.executeTool} ${p.tool}`,
      parentSpanId:
        event.parentSpanId ?? (agentId ? this.openTurns.get(agentId) : undefined) ?? null,
      agentId,
      attributes: this.toolAttributes(event, p.tool, p.callId, p.args),
    });
    if (agentId) this.openTools.set(toolKey(agentId, p.callId), event.spanId);
  }

  private toolAttributes(
    event: Envelope,
    tool: string,
    callId: string,
    args?: Record<string, unknown>,
  ): SpanAttributes {
    const agentId = event.agentId;
    const turnSpan = agentId ? this.table.get(this.openTurns.get(agentId) ?? '') : undefined;
    const turn = turnSpan?.attributes[Fd.turn];
    return {
      [GenAi.operationName]: GenAiOperation.executeTool,
      [GenAi.toolName]: tool,
      [GenAi.toolCallId]: callId,
      [GenAi.toolType]: 'function',
      ...(agentId ? this.agentAttributes(agentId) : {}),
      [Fd.callId]: callId,
      ...(typeof turn === 'number' ? { [Fd.turn]: turn } : {}),
      ...(this.captureContent && args
        ? { [GenAi.toolCallArguments]: this.text(JSON.stringify(args)) }
        : {}),
    };
  }

  /** The tool span of a call: by its spanId, else the agent's open call with that id. */
  private toolSpan(event: Envelope, callId: string, bySpanId: boolean): DerivedSpan | undefined {
    return (
      (bySpanId ? this.openSpan(event.spanId) : undefined) ??
      (event.agentId
        ? this.openSpan(this.openTools.get(toolKey(event.agentId, callId)))
        : undefined)
    );
  }

  private toolFinished(event: EventOf<'tool.call.finished'>): void {
    const p = event.payload;
    let span = this.toolSpan(event, p.callId, true);
    if (!span && this.endedIds.has(event.spanId)) {
      // A result after the call ended with its agent (killed): kept as a fact on the span.
      const ended = this.table.get(event.spanId);
      if (ended) this.addEvent(ended, event, { [Fd.toolOk]: p.ok }, 'tool.call.finished (late)');
      return;
    }
    span ??= this.partial(event.spanId, event, {
      kind: 'tool',
      spanKind: 'internal',
      name: `${GenAiOperation.executeTool} ${p.tool}`,
      parentSpanId: event.parentSpanId,
      agentId: event.agentId,
      attributes: this.toolAttributes(event, p.tool, p.callId),
    });
    Object.assign(span.attributes, {
      [Fd.toolOk]: p.ok,
      [Fd.toolDurationMs]: p.durationMs,
      ...(this.captureContent ? { [GenAi.toolCallResult]: this.text(p.output) } : {}),
    });
    this.end(
      span,
      event,
      p.ok
        ? OK
        : failed(this.captureContent ? this.text(p.output) : 'the tool call failed', 'tool_error'),
    );
  }

  private toolInterrupted(event: EventOf<'tool.call.interrupted'>): void {
    const p = event.payload;
    const span =
      this.toolSpan(event, p.callId, true) ??
      (this.endedIds.has(event.spanId)
        ? undefined
        : this.partial(
            event.spanId,
            event,
            {
              kind: 'tool',
              spanKind: 'internal',
              name: `${GenAiOperation.executeTool} ${p.tool}`,
              parentSpanId: event.parentSpanId,
              agentId: event.agentId,
              attributes: this.toolAttributes(event, p.tool, p.callId),
            },
            false,
          ));
    if (!span) return this.point(event, { [Fd.reason]: this.text(p.reason) });
    if (event.agentId && !this.openTools.has(toolKey(event.agentId, p.callId)))
      this.openTools.set(toolKey(event.agentId, p.callId), span.spanId);
    // The call may have had its effect: it stays open until a human decides.
    span.attributes[Fd.toolInterrupted] = true;
    this.addEvent(span, event, { [Fd.reason]: this.text(p.reason) });
  }

  private toolResolved(event: EventOf<'tool.call.resolved'>): void {
    const p = event.payload;
    const span = this.toolSpan(event, p.callId, false);
    const attributes = { ...actor(p.by), [Fd.toolResolution]: p.resolution };
    if (!span) return this.point(event, attributes);
    span.attributes[Fd.toolResolution] = p.resolution;
    this.addEvent(span, event, attributes);
    if (p.resolution === 'retry') return;
    if (p.resolution === 'mark-done') {
      span.attributes[Fd.toolOk] = true;
      if (this.captureContent && p.output)
        span.attributes[GenAi.toolCallResult] = this.text(p.output);
      this.end(span, event, OK);
    } else {
      span.attributes[Fd.toolOk] = false;
      this.end(
        span,
        event,
        failed(`skipped by ${p.by.id}: the call was interrupted and not repeated`, 'skipped'),
      );
    }
  }

  // ── points ─────────────────────────────────────────────────────────────

  /** An event that is not a span of its own: a span event on the span it belongs to. */
  private point(event: Envelope, attributes: SpanAttributes): void {
    const agentSpan = event.agentId ? this.agents.get(event.agentId)?.spanId : undefined;
    const candidates = [event.spanId, event.parentSpanId, agentSpan, this.rootSpanId];
    const target =
      candidates.map((id) => this.openSpan(id ?? undefined)).find((s) => s !== undefined) ??
      candidates.map((id) => (id ? this.table.get(id) : undefined)).find((s) => s !== undefined);
    this.addEvent(target, event, {
      ...(event.agentId ? { [Fd.agentId]: event.agentId } : {}),
      ...attributes,
    });
  }

  // ── mechanics ──────────────────────────────────────────────────────────

  private open(
    event: Envelope,
    init: {
      kind: DerivedSpanKind;
      spanKind: OtelSpanKind;
      name: string;
      parentSpanId: string | null;
      agentId: string | null;
      attributes: SpanAttributes;
    },
  ): DerivedSpan {
    const existing = this.table.get(event.spanId);
    if (existing) return existing;
    const span: DerivedSpan = {
      traceId: event.traceId,
      spanId: event.spanId,
      parentSpanId: init.parentSpanId === event.spanId ? null : init.parentSpanId,
      name: init.name,
      kind: init.kind,
      spanKind: init.spanKind,
      runId: event.runId,
      agentId: init.agentId,
      startTime: event.at,
      endTime: null,
      startSeq: event.seq,
      endSeq: null,
      status: { code: 'unset' },
      attributes: { ...init.attributes, [Fd.seqStart]: event.seq },
      events: [],
    };
    this.table.set(span.spanId, span);
    return span;
  }

  /** A span whose opening event is not in what we saw (a gap in a partial stream). */
  private partial(
    spanId: string,
    event: Envelope,
    init: {
      kind: DerivedSpanKind;
      spanKind: OtelSpanKind;
      name: string;
      parentSpanId: string | null;
      agentId: string | null;
      attributes: SpanAttributes;
    },
    track = true,
  ): DerivedSpan {
    const span = this.open({ ...event, spanId, traceId: this.traceId ?? event.traceId }, init);
    span.attributes[Fd.partial] = true;
    if (track && init.kind === 'turn' && init.agentId) this.openTurns.set(init.agentId, spanId);
    return span;
  }

  private end(span: DerivedSpan, event: Envelope, ending: Ending): void {
    const { status } = ending;
    if (span.endTime !== null) return;
    span.endTime = Date.parse(event.at) < Date.parse(span.startTime) ? span.startTime : event.at;
    span.endSeq = event.seq;
    span.status =
      status.message === undefined
        ? { code: status.code }
        : { code: status.code, message: status.message };
    span.attributes[Fd.seqEnd] = event.seq;
    span.attributes[Fd.endedBy] = event.type;
    if (status.code === 'error' && ending.errorType)
      span.attributes[GenAi.errorType] = ending.errorType;
    if (ending.abandoned) span.attributes[Fd.abandoned] = true;
    this.endedIds.add(span.spanId);
    this.ended.push(span);
    for (const index of [this.openTurns, this.openLlm, this.openTools]) {
      for (const [key, id] of index) if (id === span.spanId) index.delete(key);
    }
  }

  private addEvent(
    span: DerivedSpan | undefined,
    event: Envelope,
    attributes: SpanAttributes,
    name: string = event.type,
  ): void {
    if (!span) return;
    span.events.push({
      name,
      time: event.at,
      seq: event.seq,
      attributes: { [Fd.seq]: event.seq, ...attributes },
    });
  }

  private openSpan(spanId: string | undefined): DerivedSpan | undefined {
    const span = spanId ? this.table.get(spanId) : undefined;
    return span && span.endTime === null ? span : undefined;
  }

  private agentAttributes(agentId: string): SpanAttributes {
    const info = this.agents.get(agentId);
    return {
      [GenAi.agentId]: agentId,
      ...(info ? { [GenAi.agentName]: info.name, [Fd.agentName]: info.name } : {}),
      [GenAi.conversationId]: this.runId ?? '',
      [Fd.runId]: this.runId ?? '',
      [Fd.agentId]: agentId,
    };
  }

  private count(agentId: string, add: (t: Totals) => void): void {
    let totals = this.agentTotals.get(agentId);
    if (!totals) this.agentTotals.set(agentId, (totals = zeroTotals()));
    add(totals);
    add(this.runTotals);
  }

  private setTotals(span: DerivedSpan, totals: Totals): void {
    Object.assign(span.attributes, {
      [GenAi.usageInputTokens]: totals.inputTokens,
      [GenAi.usageOutputTokens]: totals.outputTokens,
      [Fd.costMicroUsd]: totals.costMicroUsd,
      [Fd.llmCalls]: totals.llmCalls,
      [Fd.toolCalls]: totals.toolCalls,
      [Fd.turns]: totals.turns,
    });
  }

  /** A late result changes the totals of an agent whose span already ended (kept only when spans are retained). */
  private refreshAgentTotals(agentId: string | null): void {
    const info = agentId ? this.agents.get(agentId) : undefined;
    const span = info ? this.table.get(info.spanId) : undefined;
    const totals = agentId ? this.agentTotals.get(agentId) : undefined;
    if (span && span.endTime !== null && totals) this.setTotals(span, totals);
  }

  private text(value: string): string {
    return value.length > this.maxContent ? `${value.slice(0, this.maxContent - 1)}…` : value;
  }
}

const toolKey = (agentId: string, callId: string) => `${agentId}\u0000${callId}`;

function actor(by: { kind: string; id: string }): SpanAttributes {
  return { [Fd.actorKind]: by.kind, [Fd.actorId]: by.id };
}

function killedMessage(p: { by: { id: string }; reason: string }): string {
  return `killed by ${p.by.id}: ${p.reason}`;
}

/** The model's answer in the GenAI output-messages shape (recorded only with content capture). */
function outputMessage(p: EventOf<'llm.call.finished'>['payload']) {
  return {
    role: 'assistant',
    parts: [
      ...(p.text ? [{ type: 'text', content: p.text }] : []),
      ...p.toolCalls.map((c) => ({
        type: 'tool_call',
        id: c.callId,
        name: c.tool,
        arguments: c.args,
      })),
    ],
    finish_reason: p.finishReason,
  };
}

function snapshot(span: DerivedSpan): DerivedSpan {
  return {
    ...span,
    status: { ...span.status },
    attributes: Object.fromEntries(
      Object.entries(span.attributes).map(([k, v]) => [
        k,
        Array.isArray(v) ? ([...v] as typeof v) : v,
      ]),
    ),
    events: span.events.map((e) => ({ ...e, attributes: { ...e.attributes } })),
  };
}
