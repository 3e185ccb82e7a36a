/**
 * A span of a run's trace, derived from its event log. Plain data (JSON-safe,
 * no class instances), so the browser's waterfall can use the same derivation
 * that the OTLP exporter ships.
 */

/** What the span stands for in Flightdeck. */
export type DerivedSpanKind = 'run' | 'agent' | 'turn' | 'llm' | 'tool';

/** The OpenTelemetry span kind: model calls go out of the process, the rest is internal. */
export type OtelSpanKind = 'internal' | 'client';

export type SpanAttributeValue = string | number | boolean | string[] | number[] | boolean[];
export type SpanAttributes = Record<string, SpanAttributeValue>;

export type SpanStatusCode = 'unset' | 'ok' | 'error';
export interface SpanStatus {
  code: SpanStatusCode;
  message?: string;
}

/** A point in time on a span: a control action, an interruption, a late result. */
export interface DerivedSpanEvent {
  name: string;
  /** ISO-8601, as the event's `at`. */
  time: string;
  seq: number;
  attributes: SpanAttributes;
}

export interface DerivedSpan {
  traceId: string;
  spanId: string;
  /** Null for the run's root span. */
  parentSpanId: string | null;
  name: string;
  kind: DerivedSpanKind;
  spanKind: OtelSpanKind;
  runId: string;
  /** The agent the span belongs to; null for the run's root span. */
  agentId: string | null;
  /** ISO-8601: the `at` of the event that opened the span. */
  startTime: string;
  /** ISO-8601: the `at` of the event that ended it; null while it is open. */
  endTime: string | null;
  /** The seq of the event that opened the span. */
  startSeq: number;
  /** The seq of the event that ended it; null while it is open. */
  endSeq: number | null;
  status: SpanStatus;
  attributes: SpanAttributes;
  events: DerivedSpanEvent[];
}

export interface DeriveOptions {
  /**
   * Record content (goals, tasks, prompts' results, tool arguments and outputs,
   * steering messages) on spans, as the GenAI conventions' opt-in attributes.
   * Off by default: content may hold secrets or personal data and leaves the
   * process when spans are exported.
   */
  captureContent?: boolean;
  /** The longest content string recorded; longer ones are cut. Default 4096. */
  maxContentLength?: number;
}
