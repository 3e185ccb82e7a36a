import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DerivedSpan } from '../spans/types';
import {
  eventually,
  type OtlpReceiver,
  silentLogger,
  startOtlpReceiver,
} from '../test/otlp-receiver';
import {
  createOtlpSpanExporter,
  type OtlpSpanExporterOptions,
  parseOtlpHeaders,
  retryAfter,
  type SpanExporter,
  tracesUrl,
} from './exporter';

const span = (i: number, ended = true): DerivedSpan => ({
  traceId: 'ab'.repeat(16),
  spanId: i.toString(16).padStart(16, '0'),
  parentSpanId: null,
  name: `span ${i}`,
  kind: 'tool',
  spanKind: 'internal',
  runId: 'r',
  agentId: null,
  startTime: '2026-03-01T10:00:00.000Z',
  endTime: ended ? '2026-03-01T10:00:01.000Z' : null,
  startSeq: i,
  endSeq: ended ? i + 1 : null,
  status: { code: 'ok' },
  attributes: { i },
  events: [],
});
const spans = (n: number, from = 1) => Array.from({ length: n }, (_, k) => span(from + k));

let receiver: OtlpReceiver;
let exporter: SpanExporter | undefined;
beforeEach(async () => {
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await exporter?.shutdown();
  exporter = undefined;
  await receiver.close();
});

function create(options: Partial<OtlpSpanExporterOptions> = {}): SpanExporter {
  exporter = createOtlpSpanExporter({
    endpoint: receiver.endpoint,
    serviceName: 'flightdeck-test',
    scheduledDelayMs: 20,
    initialBackoffMs: 10,
    maxBackoffMs: 200,
    logger: silentLogger,
    ...options,
  });
  return exporter;
}

const ids = () => receiver.delivered().map((s) => s.spanId);

describe('OTLP/HTTP span exporter', () => {
  it('POSTs JSON to /v1/traces with its headers and the service resource', async () => {
    const e = create({
      headers: { authorization: 'Bearer t0ken' },
      resourceAttributes: { 'service.instance.id': 'w-1' },
    });
    e.export(spans(2));
    await e.forceFlush();
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/traces' });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBe('Bearer t0ken');
    expect(request!.body.resourceSpans[0]!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'flightdeck-test' } },
      { key: 'service.instance.id', value: { stringValue: 'w-1' } },
    ]);
    expect(ids()).toEqual(['0000000000000001', '0000000000000002']);
    expect(e.stats()).toEqual({ pending: 0, exported: 2, dropped: 0, failed: 0 });
  });

  it('sends a lone span after the scheduled delay, without a flush', async () => {
    const e = create({ scheduledDelayMs: 30 });
    e.export([span(1)]);
    expect(receiver.requests).toHaveLength(0);
    await eventually(() => e.stats().exported === 1);
    expect(receiver.requests).toHaveLength(1);
  });

  it('batches by maxBatchSize, in order', async () => {
    const e = create({ maxBatchSize: 2 });
    e.export(spans(5));
    await e.forceFlush();
    expect(
      receiver.requests.map((r) => r.body.resourceSpans[0]!.scopeSpans[0]!.spans.length),
    ).toEqual([2, 2, 1]);
    expect(ids()).toEqual(spans(5).map((s) => s.spanId));
  });

  it('retries a 503 and delivers each span exactly once', async () => {
    receiver.script(503);
    const e = create();
    e.export(spans(3));
    await e.forceFlush();
    expect(
      receiver.requests.map((r) => (r.reply === 'destroy' ? 'destroy' : r.reply.status)),
    ).toEqual([503, 200]);
    expect(ids()).toEqual(spans(3).map((s) => s.spanId));
    expect(e.stats()).toEqual({ pending: 0, exported: 3, dropped: 0, failed: 0 });
  });

  it('retries throttling (429) after Retry-After, capped by maxBackoffMs', async () => {
    receiver.script({ status: 429, headers: { 'retry-after': '1' } });
    const e = create({ maxBackoffMs: 150 });
    const started = Date.now();
    e.export([span(1)]);
    await e.forceFlush();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(ids()).toEqual([span(1).spanId]);
  });

  it('retries network errors (the connection dropped)', async () => {
    receiver.script('destroy', 'destroy');
    const e = create();
    e.export([span(1)]);
    await e.forceFlush();
    expect(receiver.requests).toHaveLength(3);
    expect(ids()).toEqual([span(1).spanId]);
  });

  it('retries a receiver that is down until it is up', async () => {
    const { endpoint } = receiver;
    await receiver.close();
    const e = create({ endpoint, maxAttempts: 2 });
    e.export([span(1)]);
    await e.forceFlush();
    expect(e.stats()).toEqual({ pending: 0, exported: 0, dropped: 0, failed: 1 });
    receiver = await startOtlpReceiver();
  });

  it('does not retry what the receiver refuses (400), and gives up after maxAttempts', async () => {
    receiver.script(400);
    const e = create({ maxAttempts: 3 });
    e.export([span(1)]);
    await e.forceFlush();
    expect(receiver.requests).toHaveLength(1);
    expect(e.stats().failed).toBe(1);

    receiver.script(503, 503, 503);
    e.export([span(2)]);
    await e.forceFlush();
    expect(receiver.requests).toHaveLength(4);
    expect(e.stats()).toMatchObject({ exported: 0, failed: 2 });
  });

  it('counts spans a receiver rejects in a partial success', async () => {
    receiver.script({
      status: 200,
      body: JSON.stringify({ partialSuccess: { rejectedSpans: '1', errorMessage: 'too old' } }),
    });
    const e = create();
    e.export(spans(3));
    await e.forceFlush();
    expect(e.stats()).toMatchObject({ exported: 2, failed: 1 });
  });

  it('bounds its queue: past maxQueueSize, and for open spans, it drops (and counts)', async () => {
    receiver.script(503);
    const e = create({ maxQueueSize: 3, maxBatchSize: 100, scheduledDelayMs: 10_000 });
    e.export([...spans(5), span(9, false)]);
    expect(e.stats()).toMatchObject({ pending: 3, dropped: 3 });
    await e.forceFlush();
    expect(ids()).toEqual(spans(3).map((s) => s.spanId));
  });

  it('flushes on shutdown and takes nothing after it', async () => {
    const e = create({ scheduledDelayMs: 10_000 });
    e.export(spans(2));
    await e.shutdown();
    expect(ids()).toHaveLength(2);
    e.export([span(3)]);
    expect(e.stats()).toMatchObject({ exported: 2, dropped: 1, pending: 0 });
    await e.shutdown();
  });

  it('gives up on shutdown after shutdownTimeoutMs when the receiver stays unavailable', async () => {
    receiver.script(...Array.from({ length: 50 }, () => 503));
    const e = create({
      initialBackoffMs: 100,
      maxBackoffMs: 100,
      maxAttempts: 50,
      shutdownTimeoutMs: 300,
    });
    e.export(spans(2));
    const started = Date.now();
    await e.shutdown();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(e.stats()).toMatchObject({ exported: 0, failed: 2, pending: 0 });
  });
});

describe('configuration helpers', () => {
  it('appends /v1/traces to the OTLP base endpoint, once', () => {
    expect(tracesUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otlp.example.com/otlp')).toBe(
      'https://otlp.example.com/otlp/v1/traces',
    );
    expect(tracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
    expect(() => tracesUrl('collector:4318')).toThrow(/http\(s\) URL/);
    expect(() => tracesUrl('not a url')).toThrow(/http\(s\) URL/);
  });

  it('reads OTEL_EXPORTER_OTLP_HEADERS (key=value, comma-separated, percent-decoded), never echoing a value', () => {
    expect(parseOtlpHeaders(undefined)).toEqual({});
    expect(parseOtlpHeaders(' ')).toEqual({});
    expect(parseOtlpHeaders('Authorization=Bearer%20s3cret, x-honeycomb-team = abc=def ,')).toEqual(
      { authorization: 'Bearer s3cret', 'x-honeycomb-team': 'abc=def' },
    );
    expect(() => parseOtlpHeaders('a=1,s3cret')).toThrow('OTLP header entry 2 is not key=value');
    expect(() => parseOtlpHeaders('a=%E0%A4%A')).toThrow(/entry 1 has a malformed/);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfter(null)).toBeNull();
    expect(retryAfter('3')).toBe(3000);
    expect(
      retryAfter('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(5000);
    expect(retryAfter('soon')).toBeNull();
  });
});
