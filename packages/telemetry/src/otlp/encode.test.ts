import { describe, expect, it } from 'vitest';
import type { DerivedSpan } from '../spans/types';
import { encodeSpan, encodeTraceRequest, encodeValue, isoToUnixNanos } from './encode';

const span: DerivedSpan = {
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  parentSpanId: '53995c3f42cd8ad8',
  name: 'chat gpt-4o-mini',
  kind: 'llm',
  spanKind: 'client',
  runId: 'r',
  agentId: 'a',
  startTime: '2026-03-01T10:00:00.125Z',
  endTime: '2026-03-01T10:00:01.5Z',
  startSeq: 4,
  endSeq: 5,
  status: { code: 'error', message: 'rate limited' },
  attributes: {
    'gen_ai.usage.input_tokens': 1200,
    'x.ratio': 0.5,
    'x.flag': true,
    'gen_ai.response.finish_reasons': ['stop'],
    'x.s': 's',
  },
  events: [
    {
      name: 'agent.steered',
      time: '2026-03-01T10:00:01.000001Z',
      seq: 5,
      attributes: { 'flightdeck.seq': 5 },
    },
  ],
};

describe('OTLP/JSON encoding', () => {
  it('gives times in unix nanoseconds as decimal strings, keeping sub-millisecond digits and offsets', () => {
    expect(isoToUnixNanos('1970-01-01T00:00:00Z')).toBe('0');
    expect(isoToUnixNanos('2026-03-01T10:00:00.125Z')).toBe(
      `${Date.UTC(2026, 2, 1, 10, 0, 0, 125)}000000`,
    );
    expect(isoToUnixNanos('2026-03-01T10:00:00.123456789Z')).toBe('1772359200123456789');
    expect(isoToUnixNanos('2026-03-01T11:00:00.5+01:00')).toBe(
      isoToUnixNanos('2026-03-01T10:00:00.500Z'),
    );
    expect(() => isoToUnixNanos('yesterday')).toThrow(/ISO-8601/);
  });

  it('types attribute values as AnyValue: ints as strings, doubles, bools, strings, arrays', () => {
    expect(encodeValue(1200)).toEqual({ intValue: '1200' });
    expect(encodeValue(0.5)).toEqual({ doubleValue: 0.5 });
    expect(encodeValue(true)).toEqual({ boolValue: true });
    expect(encodeValue('s')).toEqual({ stringValue: 's' });
    expect(encodeValue(['stop', 'length'])).toEqual({
      arrayValue: { values: [{ stringValue: 'stop' }, { stringValue: 'length' }] },
    });
  });

  it('encodes a span: hex ids, integer enums, nanos, status and events', () => {
    expect(encodeSpan(span)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      parentSpanId: '53995c3f42cd8ad8',
      name: 'chat gpt-4o-mini',
      kind: 3,
      startTimeUnixNano: '1772359200125000000',
      endTimeUnixNano: '1772359201500000000',
      attributes: [
        { key: 'gen_ai.usage.input_tokens', value: { intValue: '1200' } },
        { key: 'x.ratio', value: { doubleValue: 0.5 } },
        { key: 'x.flag', value: { boolValue: true } },
        {
          key: 'gen_ai.response.finish_reasons',
          value: { arrayValue: { values: [{ stringValue: 'stop' }] } },
        },
        { key: 'x.s', value: { stringValue: 's' } },
      ],
      events: [
        {
          timeUnixNano: '1772359201000001000',
          name: 'agent.steered',
          attributes: [{ key: 'flightdeck.seq', value: { intValue: '5' } }],
        },
      ],
      status: { code: 2, message: 'rate limited' },
    });
    const root = encodeSpan({
      ...span,
      parentSpanId: null,
      spanKind: 'internal',
      status: { code: 'ok' },
    });
    expect(root).not.toHaveProperty('parentSpanId');
    expect(root.kind).toBe(1);
    expect(root.status).toEqual({ code: 1 });
  });

  it('refuses open spans', () => {
    expect(() => encodeSpan({ ...span, endTime: null })).toThrow(/not ended/);
  });

  it('wraps spans in resourceSpans / scopeSpans with the resource', () => {
    const request = encodeTraceRequest([span], { 'service.name': 'flightdeck-worker' });
    expect(request.resourceSpans).toHaveLength(1);
    expect(request.resourceSpans[0]!.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'flightdeck-worker' } },
    ]);
    expect(request.resourceSpans[0]!.scopeSpans[0]!.scope.name).toBe('@flightdeck/telemetry');
    expect(request.resourceSpans[0]!.scopeSpans[0]!.spans).toHaveLength(1);
  });
});
