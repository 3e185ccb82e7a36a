import type { RunEvent } from '@flightdeck/domain';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyValue, OtlpSpan } from './otlp/encode';
import { createOtlpSpanExporter, type SpanExporter } from './otlp/exporter';
import {
  createOtlpRunTraceExporter,
  type LoadRunEvents,
  RunTraceExporter,
} from './run-trace-exporter';
import { spansFromEvents } from './spans/derive';
import { type OtlpReceiver, silentLogger, startOtlpReceiver } from './test/otlp-receiver';
import { twoLevelRun } from './test/run-log';

let receiver: OtlpReceiver;
const exporters: RunTraceExporter[] = [];
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await Promise.all(exporters.splice(0).map((e) => e.shutdown()));
  await receiver.close();
});

function otlp(): SpanExporter {
  return createOtlpSpanExporter({
    endpoint: receiver.endpoint,
    serviceName: 'flightdeck-worker',
    scheduledDelayMs: 5,
    maxBatchSize: 4,
    initialBackoffMs: 20,
    logger: silentLogger,
  });
}

function tracer(
  options: {
    loadEvents?: LoadRunEvents;
    now?: () => number;
    idleRunTtlMs?: number;
    maxRuns?: number;
  } = {},
): RunTraceExporter {
  const e = new RunTraceExporter({ exporter: otlp(), logger: silentLogger, ...options });
  exporters.push(e);
  return e;
}

/** The event store, as `readEvents` pages it (small pages, to exercise paging). */
const storeOf =
  (events: readonly RunEvent[], pageSize = 5): LoadRunEvents =>
  (runId, afterSeq) =>
    Promise.resolve(events.filter((e) => e.runId === runId && e.seq > afterSeq).slice(0, pageSize));

function attr(span: OtlpSpan, key: string): unknown {
  const value = span.attributes.find((a: KeyValue) => a.key === key)?.value;
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('boolValue' in value) return value.boolValue;
  if ('doubleValue' in value) return value.doubleValue;
  return value.arrayValue.values.map((v) => ('stringValue' in v ? v.stringValue : v));
}

function expectExactlyOnce(
  delivered: OtlpSpan[],
  spanIds: readonly string[],
): Map<string, OtlpSpan> {
  const seen = delivered.map((s) => s.spanId);
  expect(seen.length).toBe(new Set(seen).size);
  expect(new Set(seen)).toEqual(new Set(spanIds));
  return new Map(delivered.map((s) => [s.spanId, s]));
}

describe('RunTraceExporter → OTLP/HTTP receiver', () => {
  it('exports each span of a live two-level run exactly once, as it ends, with its links, attributes, hex ids and nanos — through a 503', async () => {
    const run = twoLevelRun();
    const { writer, lead, researcher, checker, spans: ids } = run;
    const events = writer.log.events;
    const expected = spansFromEvents(events);
    const runTraces = tracer();

    receiver.script(503);
    const endedBy = (seq: number) =>
      new Set(expected.filter((s) => s.endSeq !== null && s.endSeq <= seq).map((s) => s.spanId));
    for (const batch of writer.log.batches) {
      runTraces.onEvents(writer.log.runId, batch);
      // As it arrives live: after each append, exactly the spans ended so far are out.
      await runTraces.flush();
      const delivered = receiver.delivered().map((s) => s.spanId);
      expect(delivered.length).toBe(new Set(delivered).size);
      expect(new Set(delivered)).toEqual(endedBy(batch.at(-1)!.seq));
    }
    expect(receiver.requests[0]!.reply).toEqual({ status: 503 });

    const byId = expectExactlyOnce(
      receiver.delivered(),
      expected.map((s) => s.spanId),
    );
    expect(byId.size).toBe(17);
    const parent = (spanId: string) => byId.get(spanId)?.parentSpanId;

    // Parent links: agents under the root or the delegate call that made them; turns under agents; calls under turns.
    expect(parent(ids.root)).toBeUndefined();
    expect(parent(lead.spanId)).toBe(ids.root);
    expect(parent(researcher.spanId)).toBe(ids.leadDelegate);
    expect(parent(checker.spanId)).toBe(ids.researcherDelegate);
    for (const [agent, turns] of [
      [lead, ids.leadTurns],
      [researcher, ids.researcherTurns],
      [checker, ids.checkerTurns],
    ] as const) {
      for (const turn of turns) expect(parent(turn)).toBe(agent.spanId);
    }
    for (const [llm, turns] of [
      [ids.leadLlm, ids.leadTurns],
      [ids.researcherLlm, ids.researcherTurns],
      [ids.checkerLlm, ids.checkerTurns],
    ] as const) {
      expect(llm.map(parent)).toEqual(turns);
    }
    expect(parent(ids.leadDelegate)).toBe(ids.leadTurns[0]);
    expect(parent(ids.researcherSearch)).toBe(ids.researcherTurns[0]);
    expect(parent(ids.researcherDelegate)).toBe(ids.researcherTurns[0]);

    // The OTLP form: hex ids, unix nanos as strings, typed attributes, integer kinds and status codes.
    for (const span of byId.values()) {
      expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(span.traceId).toBe(writer.log.traceId);
      expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
      if (span.parentSpanId) expect(span.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
      expect(span.startTimeUnixNano).toMatch(/^\d{19}$/);
      expect(BigInt(span.endTimeUnixNano) >= BigInt(span.startTimeUnixNano)).toBe(true);
      expect(span.status.code).toBe(1);
    }
    const llm = byId.get(ids.checkerLlm[0]!)!;
    const started = events.find((e) => e.type === 'llm.call.started' && e.spanId === llm.spanId)!;
    const finished = events.find((e) => e.type === 'llm.call.finished' && e.spanId === llm.spanId)!;
    expect(llm.startTimeUnixNano).toBe((BigInt(Date.parse(started.at)) * 1_000_000n).toString());
    expect(llm.endTimeUnixNano).toBe((BigInt(Date.parse(finished.at)) * 1_000_000n).toString());
    expect(llm.kind).toBe(3);
    expect(llm.name).toBe('chat gpt-4o-mini');
    expect(llm.attributes).toEqual(
      expect.arrayContaining([
        { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
        { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
        { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o-mini' } },
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '1200' } },
        { key: 'gen_ai.usage.output_tokens', value: { intValue: '90' } },
        {
          key: 'gen_ai.response.finish_reasons',
          value: { arrayValue: { values: [{ stringValue: 'stop' }] } },
        },
        { key: 'flightdeck.cost_micro_usd', value: { intValue: '234' } },
        { key: 'flightdeck.agent.name', value: { stringValue: 'fact-checker' } },
      ]),
    );
    const search = byId.get(ids.researcherSearch)!;
    expect(attr(search, 'gen_ai.operation.name')).toBe('execute_tool');
    expect(attr(search, 'gen_ai.tool.name')).toBe('web_search');
    expect(attr(search, 'gen_ai.tool.call.id')).toBe(`${researcher.id}.t1.c1`);
    const root = byId.get(ids.root)!;
    expect(root.name).toBe('invoke_workflow research-team');
    expect(root.events.map((e) => e.name)).toEqual(['run.paused', 'run.resumed']);
    expect(
      receiver.requests.every((r) =>
        r.body.resourceSpans[0]!.resource.attributes.some((a) => a.key === 'service.name'),
      ),
    ).toBe(true);
    // The run ended: nothing of it is held in memory.
    expect(runTraces.trackedRuns).toBe(0);
  });

  it('across processes (web, two workers), each span is exported once, by the process that appended its end, complete', async () => {
    const run = twoLevelRun();
    const { writer, lead, researcher, checker } = run;
    const events = writer.log.events;
    const store = storeOf(events);
    const web = tracer({ loadEvents: store });
    const workerA = tracer({ loadEvents: store });
    const workerB = tracer({ loadEvents: store });
    // Who appends what: the web app starts runs and records operators' actions; worker A runs the
    // lead's and fact-checker's turns, worker B the researcher's (an agent's end reports to its parent).
    const appender = (batch: RunEvent[]) => {
      const first = batch[0]!;
      if (
        first.type === 'run.started' ||
        first.type === 'run.paused' ||
        first.type === 'run.resumed' ||
        first.type === 'agent.steered'
      )
        return web;
      if (first.agentId === researcher.id) return workerB;
      if (first.agentId === lead.id || first.agentId === checker.id) return workerA;
      throw new Error(`no appender for ${first.type}`);
    };
    for (const batch of writer.log.batches) appender(batch).onEvents(writer.log.runId, batch);
    await Promise.all([web.flush(), workerA.flush(), workerB.flush()]);

    const expected = spansFromEvents(events);
    const byId = expectExactlyOnce(
      receiver.delivered(),
      expected.map((s) => s.spanId),
    );
    for (const span of expected) {
      const got = byId.get(span.spanId)!;
      expect(attr(got, 'flightdeck.partial')).toBeUndefined();
      expect(got.parentSpanId ?? null).toBe(span.parentSpanId);
      expect(got.name).toBe(span.name);
      expect(got.attributes.length).toBe(Object.keys(span.attributes).length);
    }
    // The researcher's agent span was opened by worker A's append (the lead's delegate) and ended by worker B's.
    expect(attr(byId.get(researcher.spanId)!, 'gen_ai.agent.name')).toBe('researcher');
  });

  it('handles appends that reach it out of seq order (concurrent turns of one run in one process)', async () => {
    const run = twoLevelRun();
    const { writer } = run;
    const batches = [...writer.log.batches];
    // Swap neighbours: each later append is reported before the earlier one.
    for (let i = 1; i + 1 < batches.length; i += 2)
      [batches[i], batches[i + 1]] = [batches[i + 1]!, batches[i]!];
    const runTraces = tracer({ loadEvents: storeOf(writer.log.events) });
    for (const batch of batches) runTraces.onEvents(writer.log.runId, batch);
    await runTraces.flush();
    expectExactlyOnce(
      receiver.delivered(),
      spansFromEvents(writer.log.events).map((s) => s.spanId),
    );
  });

  it('without a store to fill gaps, exports what it saw (spans marked partial), still once', async () => {
    const run = twoLevelRun();
    const { writer } = run;
    const runTraces = tracer();
    // This process appended only the second half of the run.
    const half = writer.log.batches.filter((b) => b[0]!.seq > 20);
    for (const batch of half) runTraces.onEvents(writer.log.runId, batch);
    await runTraces.flush();
    const delivered = receiver.delivered();
    const seen = delivered.map((s) => s.spanId);
    expect(seen.length).toBe(new Set(seen).size);
    expect(delivered.find((s) => s.spanId === run.spans.root)).toBeDefined();
    expect(
      attr(
        delivered.find((s) => s.spanId === run.spans.root)!,
        'flightdeck.partial',
      ),
    ).toBe(true);
  });

  it('exports a killed run: the spans open at the kill end with an error status', async () => {
    const run = twoLevelRun({ stopAfter: 'checker-thinking' });
    run.writer.kill('spending too much');
    const runTraces = createOtlpRunTraceExporter({
      endpoint: receiver.endpoint,
      serviceName: 'flightdeck-web',
      scheduledDelayMs: 5,
      logger: silentLogger,
    });
    exporters.push(runTraces);
    for (const batch of run.writer.log.batches) runTraces.onEvents(run.writer.log.runId, batch);
    await runTraces.flush();
    const byId = expectExactlyOnce(
      receiver.delivered(),
      spansFromEvents(run.writer.log.events).map((s) => s.spanId),
    );
    const killSeq = run.writer.log.events.at(-1)!.seq;
    const killed = [...byId.values()].filter((s) => attr(s, 'flightdeck.seq.end') === killSeq);
    expect(killed).toHaveLength(8);
    for (const span of killed) expect(span.status.code).toBe(2);
    expect(byId.get(run.spans.root)!.status).toEqual({
      code: 2,
      message: 'killed by ops@example.com: spending too much',
    });
    expect(receiver.requests[0]!.body.resourceSpans[0]!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'flightdeck-web' } },
    ]);
  });

  it('exports nothing open at shutdown, nothing twice across flushes, and nothing after shutdown', async () => {
    const run = twoLevelRun({ stopAfter: 'checker-thinking' });
    const runTraces = new RunTraceExporter({ exporter: otlp(), logger: silentLogger });
    for (const batch of run.writer.log.batches) runTraces.onEvents(run.writer.log.runId, batch);
    await runTraces.flush();
    await runTraces.flush();
    await runTraces.shutdown();
    await runTraces.shutdown();
    const ended = spansFromEvents(run.writer.log.events).filter((s) => s.endTime !== null);
    expectExactlyOnce(
      receiver.delivered(),
      ended.map((s) => s.spanId),
    );
    const count = receiver.requests.length;
    runTraces.onEvents(run.writer.log.runId, run.writer.log.batches.at(-1)!);
    await new Promise((r) => setTimeout(r, 30));
    expect(receiver.requests.length).toBe(count);
  });

  it('forgets runs idle for too long, and the least recently active past its cap', () => {
    let now = 0;
    const runTraces = tracer({ now: () => now, idleRunTtlMs: 1000, maxRuns: 2 });
    const runs = [twoLevelRun(), twoLevelRun(), twoLevelRun()];
    for (const run of runs) runTraces.onEvents(run.writer.log.runId, run.writer.log.batches[0]!);
    expect(runTraces.trackedRuns).toBe(2);
    now = 20_000;
    runTraces.onEvents(runs[0]!.writer.log.runId, runs[0]!.writer.log.batches[1]!);
    expect(runTraces.trackedRuns).toBe(1);
  });
});
