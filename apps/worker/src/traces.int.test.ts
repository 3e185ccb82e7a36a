import { readAllEvents, readEvents } from '@flightdeck/db';
import { saveTeam, spawnRun } from '@flightdeck/engine';
import { createOtlpRunTraceExporter, spansFromEvents } from '@flightdeck/telemetry';
import {
  type OtlpReceiver,
  silentLogger,
  startOtlpReceiver,
} from '@flightdeck/telemetry/test/otlp-receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSource, type Harness, operator, startHarness, waitForStatus } from './test/harness';

let harness: Harness;
let receiver: OtlpReceiver;
let traces: ReturnType<typeof createOtlpRunTraceExporter>;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  harness = await startHarness('traces');
  const { engine } = harness;
  traces = createOtlpRunTraceExporter({
    endpoint: receiver.endpoint,
    serviceName: 'flightdeck-worker',
    loadEvents: (runId, afterSeq) => readEvents(engine.db, runId, { afterSeq }),
    logger: silentLogger,
  });
  engine.recorded = traces;
  await saveTeam(engine, { source: await demoSource(5, 'demo') });
}, 60_000);

afterAll(async () => {
  await harness.close();
  await receiver.close();
});

describe('run traces over OTLP', () => {
  it('export every span of a two-level team once, linked to its parent, across two workers', async () => {
    const { engine } = harness;
    receiver.script(503); // the collector hiccups once: the exporter retries
    const { runId } = await spawnRun(engine, {
      teamSlug: 'demo',
      goal: 'Trace me',
      by: operator,
      seed: 4,
    });
    await waitForStatus(engine, runId, 'completed');
    await traces.flush();

    const expected = spansFromEvents(await readAllEvents(engine.db, runId));
    const delivered = receiver.delivered();
    const ids = delivered.map((s) => s.spanId);
    expect(new Set(ids).size).toBe(ids.length); // each span once
    expect(new Set(ids)).toEqual(new Set(expected.map((s) => s.spanId)));
    const byId = new Map(delivered.map((s) => [s.spanId, s]));
    const root = delivered.filter((s) => !s.parentSpanId);
    expect(root).toHaveLength(1);
    for (const span of delivered)
      if (span.parentSpanId) expect(byId.has(span.parentSpanId)).toBe(true);
    const agentSpans = delivered.filter((s) => s.name.startsWith('invoke_agent '));
    expect(agentSpans.length).toBeGreaterThanOrEqual(3);
    // A subagent hangs below the delegate call that created it.
    const researcher = agentSpans.find((s) => s.name === 'invoke_agent researcher')!;
    expect(byId.get(researcher.parentSpanId!)?.name).toBe('execute_tool delegate');
    const chat = delivered.find((s) => s.name.startsWith('chat '))!;
    expect(chat.attributes.map((a) => a.key)).toEqual(
      expect.arrayContaining([
        'gen_ai.request.model',
        'gen_ai.usage.input_tokens',
        'gen_ai.usage.output_tokens',
      ]),
    );
  }, 30_000);
});
