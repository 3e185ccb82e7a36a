import type { DerivedSpan, SpanAttributes, SpanAttributeValue } from '../spans/types';

/**
 * OTLP/JSON encoding of derived spans (opentelemetry-proto, `ExportTraceServiceRequest`
 * in its protobuf-JSON mapping, with the OTLP exceptions): field names in
 * lowerCamelCase, trace and span ids as hex strings (not base64), enums as
 * integers, 64-bit integers (times in unix nanoseconds, int attributes) as
 * decimal strings.
 */

export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { arrayValue: { values: AnyValue[] } };

export interface KeyValue {
  key: string;
  value: AnyValue;
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: Array<{ timeUnixNano: string; name: string; attributes: KeyValue[] }>;
  status: { code: number; message?: string };
}

export interface ExportTraceServiceRequest {
  resourceSpans: Array<{
    resource: { attributes: KeyValue[] };
    scopeSpans: Array<{ scope: { name: string; version?: string }; spans: OtlpSpan[] }>;
  }>;
}

/** opentelemetry.proto.trace.v1.Span.SpanKind */
export const SPAN_KIND = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
/** opentelemetry.proto.trace.v1.Status.StatusCode */
export const STATUS_CODE = { unset: 0, ok: 1, error: 2 } as const;

export const SCOPE = { name: '@flightdeck/telemetry', version: '0.1.0' } as const;

const ISO = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * Unix nanoseconds of an ISO-8601 timestamp, as a decimal string, keeping any
 * sub-millisecond digits the timestamp has (Date would drop them).
 */
export function isoToUnixNanos(iso: string): string {
  const match = ISO.exec(iso);
  if (!match) throw new Error(`not an ISO-8601 timestamp with an offset: ${iso}`);
  const [, seconds = '', fraction = '', zone = 'Z'] = match;
  const wholeMs = Date.parse(`${seconds}${zone}`);
  if (Number.isNaN(wholeMs)) throw new Error(`not a valid timestamp: ${iso}`);
  const nanos = BigInt(wholeMs) * 1_000_000n + BigInt((fraction + '000000000').slice(0, 9));
  return nanos.toString();
}

export function encodeValue(value: SpanAttributeValue): AnyValue {
  if (Array.isArray(value))
    return {
      arrayValue: {
        values: (value as Array<string | number | boolean>).map((v) => encodeValue(v)),
      },
    };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Number.isSafeInteger(value)) return { intValue: String(value) };
  return { doubleValue: value };
}

export function encodeAttributes(attributes: SpanAttributes): KeyValue[] {
  return Object.entries(attributes).map(([key, value]) => ({ key, value: encodeValue(value) }));
}

/** One span; it must have ended (OTLP has no open spans). */
export function encodeSpan(span: DerivedSpan): OtlpSpan {
  if (span.endTime === null) throw new Error(`span ${span.spanId} has not ended`);
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId ? { parentSpanId: span.parentSpanId } : {}),
    name: span.name,
    kind: SPAN_KIND[span.spanKind],
    startTimeUnixNano: isoToUnixNanos(span.startTime),
    endTimeUnixNano: isoToUnixNanos(span.endTime),
    attributes: encodeAttributes(span.attributes),
    events: span.events.map((e) => ({
      timeUnixNano: isoToUnixNanos(e.time),
      name: e.name,
      attributes: encodeAttributes(e.attributes),
    })),
    status: {
      code: STATUS_CODE[span.status.code],
      ...(span.status.message ? { message: span.status.message } : {}),
    },
  };
}

export function encodeTraceRequest(
  spans: readonly DerivedSpan[],
  resource: SpanAttributes,
): ExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: encodeAttributes(resource) },
        scopeSpans: [{ scope: { ...SCOPE }, spans: spans.map(encodeSpan) }],
      },
    ],
  };
}
