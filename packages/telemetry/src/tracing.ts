import {
  type Attributes,
  type Context,
  context,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Tracer,
} from '@opentelemetry/api';

/**
 * In-process instrumentation through the OpenTelemetry API, and W3C trace
 * context for carrying a trace across HTTP requests and jobs. Without an SDK
 * registered the API is a no-op, so these cost next to nothing until one is.
 */

export const TRACER_NAME = '@flightdeck/telemetry';

export interface WithSpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** Defaults to the global tracer provider's tracer for this package. */
  tracer?: Tracer;
  /** The parent context; the active one by default. */
  context?: Context;
}

/**
 * Run `fn` inside a new active span: it ends when `fn` settles; a throw (or a
 * rejection) is recorded on it, its status set to error, and re-thrown.
 */
export function withSpan<T>(
  name: string,
  fn: (span: Span) => T | Promise<T>,
  options: WithSpanOptions = {},
): Promise<T> {
  const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
  const parent = options.context ?? context.active();
  return tracer.startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        const exception = error instanceof Error ? error : new Error(String(error));
        span.recordException(exception);
        span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

// ── W3C trace context (https://www.w3.org/TR/trace-context/#traceparent-header) ──

export interface TraceParent {
  traceId: string;
  /** The caller's span: the parent of whatever the receiver starts. */
  spanId: string;
  sampled: boolean;
}

const TRACE_ID = /^[0-9a-f]{32}$/;
const SPAN_ID = /^[0-9a-f]{16}$/;
const HEX2 = /^[0-9a-f]{2}$/;
const ALL_ZERO = /^0+$/;
const SAMPLED: number = TraceFlags.SAMPLED;

/** `00-<trace-id>-<parent-id>-<flags>`; throws on ids that are not valid W3C ids. */
export function formatTraceparent(parent: {
  traceId: string;
  spanId: string;
  sampled?: boolean;
}): string {
  if (!TRACE_ID.test(parent.traceId) || ALL_ZERO.test(parent.traceId))
    throw new Error(`invalid trace id: ${parent.traceId}`);
  if (!SPAN_ID.test(parent.spanId) || ALL_ZERO.test(parent.spanId))
    throw new Error(`invalid span id: ${parent.spanId}`);
  return `00-${parent.traceId}-${parent.spanId}-${parent.sampled === false ? '00' : '01'}`;
}

/**
 * Parse a `traceparent` header; null when it is absent or invalid (the spec
 * says to ignore it then and start a new trace). Versions above 00 are read
 * by their first four fields, as the spec asks.
 */
export function parseTraceparent(header: string | null | undefined): TraceParent | null {
  if (!header) return null;
  const value = header.trim();
  const parts = value.split('-');
  const [version, traceId, spanId, flags] = parts;
  if (version === undefined || traceId === undefined || spanId === undefined || flags === undefined)
    return null;
  if (!HEX2.test(version) || version === 'ff') return null;
  if (version === '00' && (parts.length !== 4 || value.length !== 55)) return null;
  if (!TRACE_ID.test(traceId) || ALL_ZERO.test(traceId)) return null;
  if (!SPAN_ID.test(spanId) || ALL_ZERO.test(spanId)) return null;
  if (!HEX2.test(flags)) return null;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & SAMPLED) !== 0 };
}

/** The `traceparent` of the span active in `ctx`, or null when there is none. */
export function traceparentFromContext(ctx: Context = context.active()): string | null {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return null;
  return formatTraceparent({
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    sampled: (spanContext.traceFlags & SAMPLED) !== 0,
  });
}

/** `ctx` with the remote parent a `traceparent` names; `ctx` unchanged if the header is absent or invalid. */
export function contextFromTraceparent(
  header: string | null | undefined,
  ctx: Context = context.active(),
): Context {
  const parent = parseTraceparent(header);
  if (!parent) return ctx;
  return trace.setSpanContext(ctx, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}
