import { randomUUID } from 'node:crypto';
import { newSpanId, newTraceId, RunEvent } from '@flightdeck/domain';
import type { z } from 'zod';

type EventInput = z.input<typeof RunEvent>;
type DraftInput = EventInput extends infer E
  ? E extends EventInput
    ? Omit<E, 'runId' | 'seq' | 'version' | 'at' | 'traceId'> & { at?: string }
    : never
  : never;

/**
 * Builds a run's log the way the writers do (spawn-run, run-turn, the control
 * use cases): appends are batches, as `recordEvents` receives them; every event
 * passes the domain's schema. Times advance by a few milliseconds per event.
 */
export class RunLog {
  readonly runId = randomUUID();
  readonly traceId = newTraceId();
  readonly events: RunEvent[] = [];
  readonly batches: RunEvent[][] = [];
  private clock = Date.UTC(2026, 2, 1, 10, 0, 0, 0);

  append(...drafts: DraftInput[]): RunEvent[] {
    const batch = drafts.map((draft, i) => {
      // Events of one append are stamped together; appends are apart.
      this.clock += i === 0 ? 137 : 1;
      return RunEvent.parse({
        at: new Date(this.clock).toISOString(),
        ...draft,
        runId: this.runId,
        seq: this.events.length + i + 1,
        version: 1,
        traceId: this.traceId,
      });
    });
    this.events.push(...batch);
    this.batches.push(batch);
    return batch;
  }

  /** Let time pass (a model thinking, a tool running). */
  wait(ms: number): void {
    this.clock += ms;
  }
}

export const model = { provider: 'openai', name: 'gpt-4o-mini' } as const;
export const by = { kind: 'user', id: 'ops@example.com' } as const;

export interface Agent {
  id: string;
  spanId: string;
  name: string;
  /** Span of the open turn. */
  turnSpan: string;
  turn: number;
}

/** Writes events as run-turn.ts and the engine use cases do, with their span ids and parents. */
export class RunWriter {
  readonly log = new RunLog();
  rootSpanId = newSpanId();

  start(leadName = 'lead'): Agent {
    const lead: Agent = {
      id: randomUUID(),
      spanId: newSpanId(),
      name: leadName,
      turnSpan: '',
      turn: 0,
    };
    this.log.append(
      {
        type: 'run.started',
        agentId: null,
        spanId: this.rootSpanId,
        parentSpanId: null,
        payload: {
          teamId: 't-research',
          teamName: 'research-team',
          manifestVersion: 3,
          goal: 'Is the claim true?',
          seed: 42,
          by,
        },
      },
      {
        type: 'agent.spawned',
        agentId: lead.id,
        spanId: lead.spanId,
        parentSpanId: this.rootSpanId,
        payload: {
          parentAgentId: null,
          parentCallId: null,
          name: leadName,
          role: 'Lead',
          model,
          task: 'Is the claim true?',
          depth: 0,
        },
      },
    );
    return lead;
  }

  startTurn(agent: Agent): void {
    agent.turn += 1;
    agent.turnSpan = newSpanId();
    this.log.append({
      type: 'agent.turn.started',
      agentId: agent.id,
      spanId: agent.turnSpan,
      parentSpanId: agent.spanId,
      payload: { turn: agent.turn },
    });
  }

  /** llm.call.started, then (after `ms`) llm.call.finished: one span id. Returns the requested tool calls. */
  callModel(
    agent: Agent,
    toolCalls: Array<{ tool: string; args: Record<string, unknown> }> = [],
    text = 'final answer',
    ms = 800,
  ) {
    const callId = `${agent.id}.t${agent.turn}.llm`;
    const spanId = newSpanId();
    this.log.append({
      type: 'llm.call.started',
      agentId: agent.id,
      spanId,
      parentSpanId: agent.turnSpan,
      payload: { callId, turn: agent.turn, model },
    });
    this.log.wait(ms);
    const calls = toolCalls.map((c, i) => ({
      callId: `${agent.id}.t${agent.turn}.c${i + 1}`,
      tool: c.tool,
      args: c.args,
    }));
    this.log.append({
      type: 'llm.call.finished',
      agentId: agent.id,
      spanId,
      parentSpanId: agent.turnSpan,
      payload: {
        callId,
        text,
        toolCalls: calls,
        usage: { inputTokens: 1200, outputTokens: 90 },
        costMicroUsd: 234,
        priceVersion: '2026-01',
        latencyMs: ms,
        finishReason: calls.length ? 'tool_calls' : 'stop',
      },
    });
    return { spanId, calls };
  }

  startModelCall(agent: Agent): { spanId: string; callId: string } {
    const callId = `${agent.id}.t${agent.turn}.llm`;
    const spanId = newSpanId();
    this.log.append({
      type: 'llm.call.started',
      agentId: agent.id,
      spanId,
      parentSpanId: agent.turnSpan,
      payload: { callId, turn: agent.turn, model },
    });
    return { spanId, callId };
  }

  dispatch(
    agent: Agent,
    call: { callId: string; tool: string; args: Record<string, unknown> },
  ): string {
    const spanId = newSpanId();
    this.log.append({
      type: 'tool.call.dispatched',
      agentId: agent.id,
      spanId,
      parentSpanId: agent.turnSpan,
      payload: call,
    });
    return spanId;
  }

  /** A plain tool call: dispatched, run, finished (two appends, one span id). */
  runTool(
    agent: Agent,
    call: { callId: string; tool: string; args: Record<string, unknown> },
    output = 'ok',
    ok = true,
    ms = 300,
  ): string {
    const spanId = this.dispatch(agent, call);
    this.log.wait(ms);
    this.finishTool(agent, call, spanId, output, ok, ms);
    return spanId;
  }

  finishTool(
    agent: Agent,
    call: { callId: string; tool: string },
    spanId: string,
    output = 'ok',
    ok = true,
    ms = 300,
  ): void {
    this.log.append({
      type: 'tool.call.finished',
      agentId: agent.id,
      spanId,
      parentSpanId: agent.turnSpan,
      payload: { callId: call.callId, tool: call.tool, ok, output, durationMs: ms },
    });
  }

  /** The delegate call and the child's spawn, in one append. */
  delegate(
    parent: Agent,
    call: { callId: string; tool: string; args: Record<string, unknown> },
    childName: string,
  ): { child: Agent; delegateSpan: string } {
    const delegateSpan = newSpanId();
    const child: Agent = {
      id: randomUUID(),
      spanId: newSpanId(),
      name: childName,
      turnSpan: '',
      turn: 0,
    };
    this.log.append(
      {
        type: 'tool.call.dispatched',
        agentId: parent.id,
        spanId: delegateSpan,
        parentSpanId: parent.turnSpan,
        payload: call,
      },
      {
        type: 'agent.spawned',
        agentId: child.id,
        spanId: child.spanId,
        parentSpanId: delegateSpan,
        payload: {
          parentAgentId: parent.id,
          parentCallId: call.callId,
          name: childName,
          role: childName,
          model,
          task: String(call.args.task),
          depth: 1,
        },
      },
    );
    return { child, delegateSpan };
  }

  finishTurn(agent: Agent): void {
    this.log.append({
      type: 'agent.turn.finished',
      agentId: agent.id,
      spanId: newSpanId(),
      parentSpanId: agent.turnSpan,
      payload: { turn: agent.turn },
    });
  }

  /** endAgent: agent.finished, plus the parent's delegate result or the run's end, in one append. */
  finishAgent(
    agent: Agent,
    result: string,
    parent?: { agent: Agent; callId: string; delegateSpan: string },
  ): void {
    const finished = {
      type: 'agent.finished' as const,
      agentId: agent.id,
      spanId: newSpanId(),
      parentSpanId: agent.spanId,
      payload: { result },
    };
    if (parent) {
      this.log.append(finished, {
        type: 'tool.call.finished',
        agentId: parent.agent.id,
        spanId: parent.delegateSpan,
        parentSpanId: parent.agent.turnSpan,
        payload: {
          callId: parent.callId,
          tool: 'delegate',
          ok: true,
          output: result,
          durationMs: 0,
        },
      });
    } else {
      this.log.append(finished, {
        type: 'run.completed',
        agentId: null,
        spanId: newSpanId(),
        parentSpanId: this.rootSpanId,
        payload: { result },
      });
    }
  }

  kill(reason = 'runaway'): void {
    this.log.append({
      type: 'run.killed',
      agentId: null,
      spanId: newSpanId(),
      parentSpanId: this.rootSpanId,
      payload: { by, reason },
    });
  }

  control<T extends 'agent.paused' | 'agent.resumed' | 'agent.steered' | 'agent.killed'>(
    type: T,
    agent: Agent,
    payload: Extract<DraftInput, { type: T }>['payload'],
  ): void {
    this.log.append({
      type,
      agentId: agent.id,
      spanId: newSpanId(),
      parentSpanId: agent.spanId,
      payload,
    } as DraftInput);
  }
}

export interface TwoLevelRun {
  writer: RunWriter;
  lead: Agent;
  researcher: Agent;
  checker: Agent;
  spans: {
    root: string;
    leadDelegate: string;
    researcherSearch: string;
    researcherDelegate: string;
    leadLlm: string[];
    researcherLlm: string[];
    checkerLlm: string[];
    leadTurns: string[];
    researcherTurns: string[];
    checkerTurns: string[];
  };
}

/**
 * lead → researcher → fact-checker, to the end (or to `stopAfter`, leaving the
 * rest open): the lead delegates to the researcher, which searches the web and
 * delegates to the fact-checker; results flow back up; the run completes.
 * An operator pauses and resumes the run, and steers the lead, on the way.
 */
export function twoLevelRun(options: { stopAfter?: 'checker-thinking' } = {}): TwoLevelRun {
  const w = new RunWriter();
  const lead = w.start('lead');
  const spans: TwoLevelRun['spans'] = {
    root: w.rootSpanId,
    leadDelegate: '',
    researcherSearch: '',
    researcherDelegate: '',
    leadLlm: [],
    researcherLlm: [],
    checkerLlm: [],
    leadTurns: [],
    researcherTurns: [],
    checkerTurns: [],
  };

  w.startTurn(lead);
  spans.leadTurns.push(lead.turnSpan);
  const l1 = w.callModel(
    lead,
    [{ tool: 'delegate', args: { agent: 'researcher', task: 'Find sources for the claim' } }],
    'delegating',
  );
  spans.leadLlm.push(l1.spanId);
  const leadCall = l1.calls[0]!;
  const { child: researcher, delegateSpan: leadDelegate } = w.delegate(
    lead,
    leadCall,
    'researcher',
  );
  spans.leadDelegate = leadDelegate;
  w.finishTurn(lead);

  w.log.append({
    type: 'run.paused',
    agentId: null,
    spanId: newSpanId(),
    parentSpanId: w.rootSpanId,
    payload: { by, reason: 'lunch', mode: 'finish-turn' },
  });
  w.log.append({
    type: 'run.resumed',
    agentId: null,
    spanId: newSpanId(),
    parentSpanId: w.rootSpanId,
    payload: { by },
  });
  w.control('agent.steered', lead, { by, message: 'Prefer primary sources.' });

  w.startTurn(researcher);
  spans.researcherTurns.push(researcher.turnSpan);
  const r1 = w.callModel(researcher, [
    { tool: 'web_search', args: { query: 'the claim' } },
    { tool: 'delegate', args: { agent: 'fact-checker', task: 'Check source A' } },
  ]);
  spans.researcherLlm.push(r1.spanId);
  const [search, checkCall] = r1.calls as [(typeof r1.calls)[number], (typeof r1.calls)[number]];
  spans.researcherSearch = w.runTool(researcher, search, '3 results');
  const { child: checker, delegateSpan: researcherDelegate } = w.delegate(
    researcher,
    checkCall,
    'fact-checker',
  );
  spans.researcherDelegate = researcherDelegate;
  w.finishTurn(researcher);

  w.startTurn(checker);
  spans.checkerTurns.push(checker.turnSpan);
  if (options.stopAfter === 'checker-thinking') {
    spans.checkerLlm.push(w.startModelCall(checker).spanId);
    return { writer: w, lead, researcher, checker, spans };
  }
  spans.checkerLlm.push(w.callModel(checker, [], 'Source A checks out').spanId);
  w.finishAgent(checker, 'Source A checks out', {
    agent: researcher,
    callId: checkCall.callId,
    delegateSpan: researcherDelegate,
  });

  w.startTurn(researcher);
  spans.researcherTurns.push(researcher.turnSpan);
  spans.researcherLlm.push(w.callModel(researcher, [], 'The claim is supported').spanId);
  w.finishAgent(researcher, 'The claim is supported', {
    agent: lead,
    callId: leadCall.callId,
    delegateSpan: leadDelegate,
  });

  w.startTurn(lead);
  spans.leadTurns.push(lead.turnSpan);
  spans.leadLlm.push(w.callModel(lead, [], 'True, per two sources').spanId);
  w.finishAgent(lead, 'True, per two sources');
  return { writer: w, lead, researcher, checker, spans };
}
