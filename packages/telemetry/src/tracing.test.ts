import {
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import {
  contextFromTraceparent,
  formatTraceparent,
  parseTraceparent,
  traceparentFromContext,
  withSpan,
} from './tracing';

/** A tracer that records what withSpan does to its span. */
function recordingTracer() {
  const calls: Array<{
    name: string;
    options: unknown;
    ended: boolean;
    status?: unknown;
    exception?: unknown;
  }> = [];
  const tracer = {
    startSpan: () => {
      throw new Error('not used');
    },
    startActiveSpan: (
      name: string,
      options: unknown,
      _ctx: unknown,
      fn: (span: Span) => unknown,
    ) => {
      const record: (typeof calls)[number] = { name, options, ended: false };
      calls.push(record);
      const span = {
        end: () => void (record.ended = true),
        setStatus: (status: unknown) => {
          record.status = status;
          return span;
        },
        recordException: (exception: unknown) => void (record.exception = exception),
      } as unknown as Span;
      return fn(span);
    },
  } as unknown as Tracer;
  return { tracer, calls };
}

describe('withSpan', () => {
  it('runs the work in a span that ends when it settles, and returns its value', async () => {
    const { tracer, calls } = recordingTracer();
    await expect(
      withSpan('load run', () => 42, { tracer, attributes: { 'flightdeck.run.id': 'r1' } }),
    ).resolves.toBe(42);
    await expect(
      withSpan('load run async', () => Promise.resolve('ok'), { tracer, kind: SpanKind.CLIENT }),
    ).resolves.toBe('ok');
    expect(calls).toEqual([
      {
        name: 'load run',
        options: { kind: SpanKind.INTERNAL, attributes: { 'flightdeck.run.id': 'r1' } },
        ended: true,
      },
      {
        name: 'load run async',
        options: { kind: SpanKind.CLIENT, attributes: undefined },
        ended: true,
      },
    ]);
  });

  it('records a failure on the span, sets an error status, ends it and rethrows', async () => {
    const { tracer, calls } = recordingTracer();
    const boom = new Error('boom');
    await expect(withSpan('turn', () => Promise.reject(boom), { tracer })).rejects.toBe(boom);
    await expect(
      withSpan(
        'turn',
        () => {
          // eslint-disable-next-line @typescript-eslint/only-throw-error -- what a non-Error throw does is the point
          throw 'text';
        },
        { tracer },
      ),
    ).rejects.toBe('text');
    expect(calls[0]).toMatchObject({
      ended: true,
      exception: boom,
      status: { code: SpanStatusCode.ERROR, message: 'boom' },
    });
    expect(calls[1]).toMatchObject({
      ended: true,
      status: { code: SpanStatusCode.ERROR, message: 'text' },
    });
  });

  it('costs nothing without an SDK: the global no-op tracer still runs the work', async () => {
    await expect(withSpan('noop', (span) => span.isRecording())).resolves.toBe(false);
  });
});

describe('W3C traceparent', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const spanId = '00f067aa0ba902b7';

  it('formats and parses', () => {
    const header = formatTraceparent({ traceId, spanId });
    expect(header).toBe(`00-${traceId}-${spanId}-01`);
    expect(parseTraceparent(header)).toEqual({ traceId, spanId, sampled: true });
    expect(parseTraceparent(formatTraceparent({ traceId, spanId, sampled: false }))).toEqual({
      traceId,
      spanId,
      sampled: false,
    });
    expect(parseTraceparent(`  00-${traceId}-${spanId}-03 `)).toEqual({
      traceId,
      spanId,
      sampled: true,
    });
    expect(() => formatTraceparent({ traceId: 'x', spanId })).toThrow(/trace id/);
    expect(() => formatTraceparent({ traceId, spanId: '0'.repeat(16) })).toThrow(/span id/);
  });

  it('ignores invalid headers, as the spec asks', () => {
    for (const bad of [
      undefined,
      null,
      '',
      `ff-${traceId}-${spanId}-01`,
      `00-${'0'.repeat(32)}-${spanId}-01`,
      `00-${traceId}-${'0'.repeat(16)}-01`,
      `00-${traceId.toUpperCase()}-${spanId}-01`,
      `00-${traceId}-${spanId}-1`,
      `00-${traceId}-${spanId}-01-extra`,
      `0-${traceId}-${spanId}-01`,
      `00-${traceId.slice(1)}-${spanId}-01`,
      'garbage',
    ]) {
      expect(parseTraceparent(bad)).toBeNull();
    }
  });

  it('reads future versions by their first four fields', () => {
    expect(parseTraceparent(`cc-${traceId}-${spanId}-01-what-the-future-holds`)).toEqual({
      traceId,
      spanId,
      sampled: true,
    });
  });

  it('carries a remote parent through an OpenTelemetry context and back', () => {
    const header = `00-${traceId}-${spanId}-01`;
    const ctx = contextFromTraceparent(header, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)).toEqual({ traceId, spanId, traceFlags: 1, isRemote: true });
    expect(traceparentFromContext(ctx)).toBe(header);
    expect(contextFromTraceparent('garbage', ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
    expect(traceparentFromContext(ROOT_CONTEXT)).toBeNull();
  });
});
