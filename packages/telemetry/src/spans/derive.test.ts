import { newSpanId, reduceEvents, type RunEvent } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { by, RunWriter, twoLevelRun } from '../test/run-log';
import { SpanDeriver, spansFromEvents } from './derive';
import type { DerivedSpan } from './types';

const byId = (spans: DerivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));
const one = (spans: DerivedSpan[], spanId: string): DerivedSpan => {
  const span = spans.find((s) => s.spanId === spanId);
  if (!span) throw new Error(`no span ${spanId}`);
  return span;
};

describe('spansFromEvents: a two-level team (lead → researcher → fact-checker)', () => {
  const run = twoLevelRun();
  const { lead, researcher, checker, spans: ids } = run;
  const events = run.writer.log.events;
  const spans = spansFromEvents(events);

  it('is a log the domain reducer accepts, ending completed', () => {
    expect(reduceEvents(events).status).toBe('completed');
  });

  it('has one span per run, agent, turn, model call and tool call — all ended, no duplicates', () => {
    const count = (kind: DerivedSpan['kind']) => spans.filter((s) => s.kind === kind).length;
    expect({
      run: count('run'),
      agent: count('agent'),
      turn: count('turn'),
      llm: count('llm'),
      tool: count('tool'),
    }).toEqual({
      run: 1,
      agent: 3,
      turn: 5,
      llm: 5,
      tool: 3,
    });
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    expect(spans.every((s) => s.endTime !== null && s.endSeq !== null)).toBe(true);
    expect(
      spans.every((s) => s.traceId === run.writer.log.traceId && s.runId === run.writer.log.runId),
    ).toBe(true);
  });

  it('links parents: agents under the root or the delegate call that made them, turns under agents, calls under turns', () => {
    const map = byId(spans);
    const parentOf = (spanId: string) => map.get(spanId)?.parentSpanId;
    expect(parentOf(ids.root)).toBeNull();
    expect(parentOf(lead.spanId)).toBe(ids.root);
    expect(parentOf(researcher.spanId)).toBe(ids.leadDelegate);
    expect(parentOf(checker.spanId)).toBe(ids.researcherDelegate);
    for (const turn of ids.leadTurns) expect(parentOf(turn)).toBe(lead.spanId);
    for (const turn of ids.researcherTurns) expect(parentOf(turn)).toBe(researcher.spanId);
    for (const turn of ids.checkerTurns) expect(parentOf(turn)).toBe(checker.spanId);
    expect(ids.leadLlm.map(parentOf)).toEqual(ids.leadTurns);
    expect(ids.researcherLlm.map(parentOf)).toEqual(ids.researcherTurns);
    expect(ids.checkerLlm.map(parentOf)).toEqual(ids.checkerTurns);
    expect(parentOf(ids.leadDelegate)).toBe(ids.leadTurns[0]);
    expect(parentOf(ids.researcherSearch)).toBe(ids.researcherTurns[0]);
    expect(parentOf(ids.researcherDelegate)).toBe(ids.researcherTurns[0]);
    // Every parent is a span of the tree.
    for (const span of spans) if (span.parentSpanId) expect(map.has(span.parentSpanId)).toBe(true);
  });

  it('names and kinds spans after the GenAI conventions', () => {
    const names = spans.map((s) => `${s.kind}:${s.spanKind}:${s.name}`);
    expect(names).toContain('run:internal:invoke_workflow research-team');
    expect(names).toContain('agent:internal:invoke_agent researcher');
    expect(names).toContain('turn:internal:turn fact-checker');
    expect(names).toContain('llm:client:chat gpt-4o-mini');
    expect(names).toContain('tool:internal:execute_tool web_search');
    expect(names).toContain('tool:internal:execute_tool delegate');
  });

  it('puts GenAI inference attributes on model-call spans', () => {
    const llm = one(spans, ids.researcherLlm[0]!);
    expect(llm.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.output_tokens': 90,
      'gen_ai.response.finish_reasons': ['tool_calls'],
      'gen_ai.agent.name': 'researcher',
      'gen_ai.agent.id': researcher.id,
      'gen_ai.conversation.id': run.writer.log.runId,
      'flightdeck.run.id': run.writer.log.runId,
      'flightdeck.agent.id': researcher.id,
      'flightdeck.agent.name': 'researcher',
      'flightdeck.turn': 1,
      'flightdeck.cost_micro_usd': 234,
      'flightdeck.llm.latency_ms': 800,
      'flightdeck.call.id': `${researcher.id}.t1.llm`,
    });
    expect(llm.status).toEqual({ code: 'ok' });
    // The span covers the call: from started to finished.
    expect(Date.parse(llm.endTime!) - Date.parse(llm.startTime)).toBe(800 + 137);
    expect(llm.attributes['flightdeck.seq.end']).toBe(
      (llm.attributes['flightdeck.seq.start'] as number) + 1,
    );
  });

  it('puts GenAI tool attributes on tool spans; the delegate call lists the agent it made and ends when it reports', () => {
    const search = one(spans, ids.researcherSearch);
    expect(search.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'web_search',
      'gen_ai.tool.call.id': `${researcher.id}.t1.c1`,
      'flightdeck.tool.ok': true,
      'flightdeck.tool.duration_ms': 300,
      'flightdeck.turn': 1,
    });
    const delegate = one(spans, ids.researcherDelegate);
    expect(delegate.attributes['flightdeck.delegate.agent_ids']).toEqual([checker.id]);
    // It ends with the fact-checker's report: the same append as the agent's end.
    expect(delegate.endSeq).toBe(one(spans, checker.spanId).endSeq! + 1);
    expect(delegate.attributes['flightdeck.ended_by']).toBe('tool.call.finished');
    // The delegate call outlives the turn that made it (the turn ended; the researcher waited).
    const turn = one(spans, ids.researcherTurns[0]!);
    expect(Date.parse(delegate.endTime!)).toBeGreaterThan(Date.parse(turn.endTime!));
  });

  it('puts agent and run attributes, with totals, on agent spans and the root', () => {
    const root = one(spans, ids.root);
    expect(root.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.workflow.name': 'research-team',
      'flightdeck.team.id': 't-research',
      'flightdeck.manifest.version': 3,
      'flightdeck.run.status': 'completed',
      'gen_ai.usage.input_tokens': 5 * 1200,
      'gen_ai.usage.output_tokens': 5 * 90,
      'flightdeck.cost_micro_usd': 5 * 234,
      'flightdeck.llm_calls': 5,
      'flightdeck.tool_calls': 3,
      'flightdeck.turns': 5,
    });
    expect(root.status).toEqual({ code: 'ok' });
    expect(root.endSeq).toBe(events.length);
    const researcherSpan = one(spans, researcher.spanId);
    expect(researcherSpan.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'researcher',
      'gen_ai.provider.name': 'openai',
      'flightdeck.agent.depth': 1,
      'flightdeck.agent.parent_id': lead.id,
      'flightdeck.agent.parent_call_id': `${lead.id}.t1.c1`,
      'flightdeck.agent.status': 'finished',
      'gen_ai.usage.input_tokens': 2 * 1200,
      'flightdeck.llm_calls': 2,
      'flightdeck.tool_calls': 2,
      'flightdeck.turns': 2,
    });
  });

  it("ends an agent's open turn with the agent (a final answer ends the agent without a turn.finished)", () => {
    const turn = one(spans, ids.checkerTurns[0]!);
    expect(turn.status).toEqual({ code: 'ok' });
    expect(turn.attributes['flightdeck.ended_by']).toBe('agent.finished');
    expect(turn.endTime).toBe(one(spans, checker.spanId).endTime);
  });

  it('records control events as span events on the run or the agent', () => {
    const root = one(spans, ids.root);
    expect(root.events.map((e) => e.name)).toEqual(['run.paused', 'run.resumed']);
    expect(root.events[0]!.attributes).toMatchObject({
      'flightdeck.actor.id': by.id,
      'flightdeck.reason': 'lunch',
      'flightdeck.pause.mode': 'finish-turn',
    });
    const leadSpan = one(spans, lead.spanId);
    expect(leadSpan.events.map((e) => e.name)).toEqual(['agent.steered']);
    expect(leadSpan.events[0]!.attributes).toMatchObject({
      'flightdeck.steer.length': 'Prefer primary sources.'.length,
    });
    expect(leadSpan.events[0]!.attributes['flightdeck.steer.message']).toBeUndefined();
  });

  it('records no content unless asked, then cut to length', () => {
    const plain = spans.flatMap((s) => Object.keys(s.attributes));
    for (const key of [
      'gen_ai.tool.call.arguments',
      'gen_ai.tool.call.result',
      'gen_ai.output.messages',
      'flightdeck.run.goal',
      'flightdeck.agent.task',
    ]) {
      expect(plain).not.toContain(key);
    }
    const rich = spansFromEvents(events, { captureContent: true, maxContentLength: 12 });
    const search = one(rich, ids.researcherSearch);
    expect(search.attributes['gen_ai.tool.call.arguments']).toBe('{"query":"t…');
    expect(search.attributes['gen_ai.tool.call.result']).toBe('3 results');
    expect(one(rich, ids.root).attributes['flightdeck.run.goal']).toBe('Is the clai…');
    const full = spansFromEvents(events, { captureContent: true });
    const output = JSON.parse(
      one(full, ids.checkerLlm[0]!).attributes['gen_ai.output.messages'] as string,
    ) as unknown;
    expect(output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Source A checks out' }],
        finish_reason: 'stop',
      },
    ]);
    expect(one(full, lead.spanId).events[0]!.attributes['flightdeck.steer.message']).toBe(
      'Prefer primary sources.',
    );
  });

  it('returns spans in the order they opened, and the same spans however the log is fed', () => {
    const starts = spans.map((s) => s.startSeq);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const deriver = new SpanDeriver();
    const ended: DerivedSpan[] = [];
    for (const event of events) {
      deriver.apply(event);
      ended.push(...deriver.takeEnded());
    }
    expect(deriver.takeEnded()).toEqual([]);
    expect(new Set(ended.map((s) => s.spanId)).size).toBe(ended.length);
    expect(
      [...ended].sort((a, b) => a.startSeq - b.startSeq || a.spanId.localeCompare(b.spanId)),
    ).toEqual(
      [...spans].sort((a, b) => a.startSeq - b.startSeq || a.spanId.localeCompare(b.spanId)),
    );
  });
});

describe('spansFromEvents: a run still going', () => {
  const run = twoLevelRun({ stopAfter: 'checker-thinking' });
  const spans = spansFromEvents(run.writer.log.events);

  it('returns what has not ended as open spans: no end, unset status', () => {
    const open = spans.filter((s) => s.endTime === null).map((s) => s.spanId);
    const { spans: ids, lead, researcher, checker } = run;
    expect(new Set(open)).toEqual(
      new Set([
        ids.root,
        lead.spanId,
        ids.leadDelegate,
        researcher.spanId,
        ids.researcherDelegate,
        checker.spanId,
        ids.checkerTurns[0],
        ids.checkerLlm[0],
      ]),
    );
    for (const span of spans.filter((s) => s.endTime === null)) {
      expect(span.status).toEqual({ code: 'unset' });
      expect(span.endSeq).toBeNull();
    }
    // Ended: the lead's and researcher's first turns, their model calls, the web search.
    expect(spans.filter((s) => s.endTime !== null)).toHaveLength(5);
  });

  it('hands each ended span out once through takeEnded, and openSpans lists the rest', () => {
    const deriver = new SpanDeriver({ retainEnded: false });
    let taken = 0;
    for (const event of run.writer.log.events) {
      deriver.apply(event);
      taken += deriver.takeEnded().length;
    }
    expect(taken).toBe(5);
    expect(deriver.openSpans()).toHaveLength(8);
    // Pruned: only what is open is kept.
    expect(deriver.spans()).toHaveLength(8);
  });
});

describe('spansFromEvents: kills', () => {
  it('a killed run ends every open span with an error status, at the kill', () => {
    const run = twoLevelRun({ stopAfter: 'checker-thinking' });
    run.writer.kill('spending too much');
    const kill = run.writer.log.events.at(-1)!;
    const spans = spansFromEvents(run.writer.log.events);
    expect(spans.every((s) => s.endTime !== null)).toBe(true);
    const root = one(spans, run.spans.root);
    expect(root.status).toEqual({
      code: 'error',
      message: `killed by ${by.id}: spending too much`,
    });
    expect(root.attributes).toMatchObject({
      'error.type': 'killed',
      'flightdeck.run.status': 'killed',
      'flightdeck.ended_by': 'run.killed',
    });
    expect(root.events.map((e) => e.name)).toContain('run.killed');
    const killed = spans.filter((s) => s.endSeq === kill.seq);
    expect(killed).toHaveLength(8);
    for (const span of killed) {
      expect(span.endTime).toBe(kill.at);
      expect(span.status.code).toBe('error');
    }
    expect(one(spans, run.spans.checkerLlm[0]!).status).toEqual({
      code: 'error',
      message: 'the run killed',
    });
    // What ended before the kill keeps its own status.
    expect(one(spans, run.spans.researcherSearch).status).toEqual({ code: 'ok' });
  });

  it("killing a subagent ends its subtree's spans, fails the parent's delegate call, and keeps a late result as a fact", () => {
    const run = twoLevelRun({ stopAfter: 'checker-thinking' });
    const w = run.writer;
    // killAgent(researcher): the subtree deepest first, then the lead's delegate call fails.
    w.control('agent.killed', run.checker, { by, reason: 'loop' });
    w.control('agent.killed', run.researcher, { by, reason: 'loop' });
    w.log.append({
      type: 'tool.call.finished',
      agentId: run.lead.id,
      spanId: run.spans.leadDelegate,
      parentSpanId: run.lead.turnSpan,
      payload: {
        callId: `${run.lead.id}.t1.c1`,
        tool: 'delegate',
        ok: false,
        output: 'subagent researcher was killed',
        durationMs: 0,
      },
    });
    // The fact-checker's model answered after the kill: tokens spent, recorded.
    w.log.append({
      type: 'llm.call.finished',
      agentId: run.checker.id,
      spanId: run.spans.checkerLlm[0]!,
      parentSpanId: run.checker.turnSpan,
      payload: {
        callId: `${run.checker.id}.t1.llm`,
        text: 'late',
        toolCalls: [],
        usage: { inputTokens: 10, outputTokens: 5 },
        costMicroUsd: 7,
        priceVersion: '2026-01',
        latencyMs: 4000,
        finishReason: 'stop',
      },
    });
    expect(reduceEvents(w.log.events).agents[run.checker.id]?.status).toBe('killed');
    const spans = spansFromEvents(w.log.events);

    const checker = one(spans, run.checker.spanId);
    expect(checker.status).toEqual({ code: 'error', message: `killed by ${by.id}: loop` });
    expect(checker.attributes['error.type']).toBe('killed');
    const checkerLlm = one(spans, run.spans.checkerLlm[0]!);
    expect(checkerLlm.status).toEqual({ code: 'error', message: 'the agent killed' });
    expect(checkerLlm.endTime).toBe(checker.endTime);
    expect(checkerLlm.events.map((e) => e.name)).toEqual(['llm.call.finished (late)']);
    expect(checkerLlm.attributes['gen_ai.usage.input_tokens']).toBe(10);
    expect(one(spans, run.spans.checkerTurns[0]!).status.code).toBe('error');
    expect(one(spans, run.spans.researcherDelegate).status.code).toBe('error');
    expect(one(spans, run.researcher.spanId).status.code).toBe('error');

    const leadDelegate = one(spans, run.spans.leadDelegate);
    expect(leadDelegate.status).toEqual({ code: 'error', message: 'the tool call failed' });
    expect(leadDelegate.attributes).toMatchObject({
      'flightdeck.tool.ok': false,
      'error.type': 'tool_error',
    });
    // The lead and the run go on.
    expect(one(spans, run.lead.spanId).endTime).toBeNull();
    expect(one(spans, run.spans.root).endTime).toBeNull();
  });
});

describe('spansFromEvents: crashes and human decisions', () => {
  it('a model call started again after a crash abandons the first attempt', () => {
    const w = new RunWriter();
    const lead = w.start();
    w.startTurn(lead);
    const first = w.startModelCall(lead);
    w.log.wait(30_000);
    const { spanId: second } = w.callModel(lead, [], 'done');
    const spans = spansFromEvents(w.log.events);
    const abandoned = one(spans, first.spanId);
    expect(abandoned.status.code).toBe('error');
    expect(abandoned.attributes).toMatchObject({
      'flightdeck.abandoned': true,
      'error.type': 'abandoned',
    });
    expect(abandoned.endSeq).toBe(one(spans, second).startSeq);
    expect(one(spans, second).status).toEqual({ code: 'ok' });
  });

  it('a failed model call is an error span', () => {
    const w = new RunWriter();
    const lead = w.start();
    w.startTurn(lead);
    const call = w.startModelCall(lead);
    w.log.append({
      type: 'llm.call.failed',
      agentId: lead.id,
      spanId: call.spanId,
      parentSpanId: lead.turnSpan,
      payload: { callId: call.callId, error: 'rate limited', retryable: true },
    });
    w.log.append({
      type: 'agent.failed',
      agentId: lead.id,
      spanId: newSpanId(),
      parentSpanId: lead.spanId,
      payload: { error: 'model call failed: rate limited' },
    });
    w.log.append({
      type: 'run.failed',
      agentId: null,
      spanId: newSpanId(),
      parentSpanId: w.rootSpanId,
      payload: { error: 'lead agent failed' },
    });
    const spans = spansFromEvents(w.log.events);
    expect(one(spans, call.spanId)).toMatchObject({
      status: { code: 'error', message: 'rate limited' },
      attributes: { 'flightdeck.llm.retryable': true, 'error.type': '_OTHER' },
    });
    expect(one(spans, lead.spanId)).toMatchObject({
      status: { code: 'error' },
      attributes: { 'error.type': 'agent_failed', 'flightdeck.agent.status': 'failed' },
    });
    expect(one(spans, lead.turnSpan)).toMatchObject({
      status: { code: 'error', message: 'the agent failed' },
    });
    expect(one(spans, w.rootSpanId)).toMatchObject({
      status: { code: 'error', message: 'lead agent failed' },
      attributes: { 'error.type': 'run_failed' },
    });
  });

  function interrupted() {
    const w = new RunWriter();
    const lead = w.start();
    w.startTurn(lead);
    const { calls } = w.callModel(lead, [{ tool: 'shell', args: { cmd: 'deploy' } }], 'deploying');
    const call = calls[0]!;
    const spanId = w.dispatch(lead, call);
    w.log.append({
      type: 'tool.call.interrupted',
      agentId: lead.id,
      spanId,
      parentSpanId: lead.turnSpan,
      payload: { callId: call.callId, tool: 'shell', reason: 'worker stopped' },
    });
    const resolve = (resolution: 'retry' | 'skip' | 'mark-done') =>
      w.log.append({
        type: 'tool.call.resolved',
        agentId: lead.id,
        spanId: newSpanId(),
        parentSpanId: lead.spanId,
        payload: { callId: call.callId, by, resolution, output: '' },
      });
    return { w, lead, call, spanId, resolve };
  }

  it('an interrupted call stays open until a human decides; retry re-dispatches the same span', () => {
    const { w, lead, call, spanId, resolve } = interrupted();
    let span = one(spansFromEvents(w.log.events), spanId);
    expect(span.endTime).toBeNull();
    expect(span.attributes['flightdeck.tool.interrupted']).toBe(true);
    resolve('retry');
    w.log.append({
      type: 'tool.call.dispatched',
      agentId: lead.id,
      spanId,
      parentSpanId: lead.turnSpan,
      payload: call,
    });
    w.finishTool(lead, call, spanId, 'deployed');
    expect(reduceEvents(w.log.events).agents[lead.id]?.turn?.toolCalls[0]?.status).toBe('finished');
    const spans = spansFromEvents(w.log.events);
    expect(spans.filter((s) => s.kind === 'tool')).toHaveLength(1);
    span = one(spans, spanId);
    expect(span.status).toEqual({ code: 'ok' });
    expect(span.attributes).toMatchObject({
      'flightdeck.tool.dispatches': 2,
      'flightdeck.tool.resolution': 'retry',
    });
    expect(span.events.map((e) => e.name)).toEqual([
      'tool.call.interrupted',
      'tool.call.resolved',
      'tool.call.dispatched',
    ]);
  });

  it('skip ends the call as an error, mark-done as ok, at the decision', () => {
    const skipped = interrupted();
    skipped.resolve('skip');
    const skip = one(spansFromEvents(skipped.w.log.events), skipped.spanId);
    expect(skip.status.code).toBe('error');
    expect(skip.attributes).toMatchObject({
      'error.type': 'skipped',
      'flightdeck.tool.resolution': 'skip',
      'flightdeck.ended_by': 'tool.call.resolved',
    });
    const done = interrupted();
    done.resolve('mark-done');
    expect(one(spansFromEvents(done.w.log.events), done.spanId).status).toEqual({ code: 'ok' });
  });
});

describe('spansFromEvents: robustness', () => {
  it('turns event types it does not know (gate decisions, approvals) into span events on the span they name', () => {
    const w = new RunWriter();
    const lead = w.start();
    w.startTurn(lead);
    const { calls } = w.callModel(
      lead,
      [{ tool: 'shell', args: { cmd: 'rm -rf /tmp/x' } }],
      'cleaning',
    );
    const toolSpan = w.dispatch(lead, calls[0]!);
    const last = w.log.events.at(-1)!;
    const approval = {
      ...last,
      seq: last.seq + 1,
      type: 'approval.requested',
      spanId: newSpanId(),
      parentSpanId: toolSpan,
      payload: { policy: 'ask-shell' },
    } as unknown as RunEvent;
    const gate = {
      ...last,
      seq: last.seq + 2,
      type: 'gate.decided',
      spanId: newSpanId(),
      parentSpanId: lead.turnSpan,
      payload: {},
    } as unknown as RunEvent;
    const spans = spansFromEvents([...w.log.events, approval, gate]);
    expect(one(spans, toolSpan).events.map((e) => e.name)).toEqual(['approval.requested']);
    expect(one(spans, lead.turnSpan).events.map((e) => e.name)).toEqual(['gate.decided']);
    expect(spans).toHaveLength(5);
  });

  it('derives from a partial stream (no run.started): spans ended without their start are marked partial', () => {
    const run = twoLevelRun();
    const tail = run.writer.log.events.filter((e) => e.seq > 20);
    const spans = spansFromEvents(tail);
    const root = one(spans, run.spans.root);
    expect(root.attributes['flightdeck.partial']).toBe(true);
    expect(root.endTime).not.toBeNull();
    const researcherTurn = one(spans, run.spans.researcherTurns[1]!);
    expect(researcherTurn.attributes['flightdeck.partial']).toBeUndefined();
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
  });

  it('never ends a span before it started, whatever the clocks of the writers', () => {
    const w = new RunWriter();
    const lead = w.start();
    w.startTurn(lead);
    const call = w.startModelCall(lead);
    const started = w.log.events.at(-1)!;
    w.log.append({
      type: 'llm.call.failed',
      agentId: lead.id,
      spanId: call.spanId,
      parentSpanId: lead.turnSpan,
      at: new Date(Date.parse(started.at) - 5000).toISOString(),
      payload: { callId: call.callId, error: 'x', retryable: false },
    });
    const span = one(spansFromEvents(w.log.events), call.spanId);
    expect(span.endTime).toBe(span.startTime);
  });

  it('is pure: the same log gives the same spans, and the input is not touched', () => {
    const run = twoLevelRun();
    const copy = structuredClone(run.writer.log.events);
    expect(spansFromEvents(run.writer.log.events)).toEqual(spansFromEvents(run.writer.log.events));
    expect(run.writer.log.events).toEqual(copy);
    expect(JSON.parse(JSON.stringify(spansFromEvents(copy)))).toEqual(spansFromEvents(copy));
  });
});
