export * from './logger';
export * from './spans';
export {
  isoToUnixNanos,
  encodeSpan,
  encodeTraceRequest,
  type ExportTraceServiceRequest,
  type OtlpSpan,
} from './otlp/encode';
export {
  createOtlpSpanExporter,
  parseOtlpHeaders,
  tracesUrl,
  type ExporterStats,
  type OtlpSpanExporterOptions,
  type SpanExporter,
} from './otlp/exporter';
export {
  createOtlpRunTraceExporter,
  RunTraceExporter,
  type LoadRunEvents,
  type OtlpRunTraceExporterOptions,
  type RunTraceExporterOptions,
} from './run-trace-exporter';
export {
  contextFromTraceparent,
  formatTraceparent,
  parseTraceparent,
  TRACER_NAME,
  traceparentFromContext,
  withSpan,
  type TraceParent,
  type WithSpanOptions,
} from './tracing';
