import { createLogger, type Logger } from '../logger';
import type { DerivedSpan, SpanAttributes } from '../spans/types';
import { encodeAttributes, encodeSpan, type OtlpSpan, SCOPE } from './encode';

/**
 * An OTLP/HTTP trace exporter for derived spans: JSON (`application/json`)
 * POSTed to `${endpoint}/v1/traces`, in batches, from a bounded queue, retried
 * with exponential backoff (and the server's Retry-After) on throttling,
 * unavailability and network errors.
 *
 * Hand-written rather than the SDK's OTLPTraceExporter: the SDK line that runs
 * on Node 20 (sdk-trace 2.x) requires @opentelemetry/api < 1.10, the newer one
 * (3.x) requires Node >= 22.15. The wire format is small and fixed by the spec.
 */
export interface OtlpSpanExporterOptions {
  /** The OTLP/HTTP base URL (what OTEL_EXPORTER_OTLP_ENDPOINT holds), e.g. http://127.0.0.1:4318. `/v1/traces` is appended. */
  endpoint: string;
  /** Extra request headers (authentication for a hosted backend). */
  headers?: Record<string, string>;
  /** The resource's `service.name`. */
  serviceName: string;
  /** More resource attributes (service.version, service.instance.id, deployment.environment.name …). */
  resourceAttributes?: SpanAttributes;
  /** Spans waiting to be sent; past it new spans are dropped (and counted). Default 2048. */
  maxQueueSize?: number;
  /** Spans per request. Default 512. */
  maxBatchSize?: number;
  /** How long a span may wait for its batch to fill. Default 1000 ms. */
  scheduledDelayMs?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Tries per batch, the first included. Default 5. */
  maxAttempts?: number;
  /** The first retry's delay; it doubles each try, with jitter. Default 1000 ms. */
  initialBackoffMs?: number;
  /** The longest delay between tries, Retry-After included. Default 30 s. */
  maxBackoffMs?: number;
  /** Statuses worth retrying (the OTLP spec's: throttled, bad gateway, unavailable, gateway timeout). */
  retryableStatuses?: readonly number[];
  /** How long shutdown waits for queued spans to be delivered. Default 10 s. */
  shutdownTimeoutMs?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

export interface ExporterStats {
  /** Waiting in the queue or in a request under way. */
  pending: number;
  /** Accepted by the receiver. */
  exported: number;
  /** Refused at the door: queue full, span still open, exporter shut down, unencodable. */
  dropped: number;
  /** Given up on after the last try, or refused by the receiver. */
  failed: number;
}

export interface SpanExporter {
  /** Queue ended spans for export; never blocks, never throws. Open spans are not exportable and are dropped. */
  export(spans: readonly DerivedSpan[]): void;
  /** Send everything queued now and wait for it. */
  forceFlush(): Promise<void>;
  /** Flush (within the shutdown timeout), then refuse further spans. */
  shutdown(): Promise<void>;
  stats(): ExporterStats;
}

const DEFAULT_RETRYABLE = [429, 502, 503, 504] as const;

export function tracesUrl(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(
      `OTLP endpoint must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(endpoint)}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(
      `OTLP endpoint must be an http(s) URL such as http://127.0.0.1:4318, got ${JSON.stringify(endpoint)}`,
    );
  }
  if (!/\/v1\/traces\/?$/.test(url.pathname))
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/traces`;
  return url.toString();
}

/**
 * Headers in the OTEL_EXPORTER_OTLP_HEADERS format: `key=value` pairs separated
 * by commas, values percent-decoded. Throws on a malformed entry, naming its
 * position, never its value (headers usually carry credentials).
 */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (!value?.trim()) return headers;
  value.split(',').forEach((entry, i) => {
    if (!entry.trim()) return;
    const eq = entry.indexOf('=');
    const key = eq > 0 ? entry.slice(0, eq).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key))
      throw new Error(`OTLP header entry ${i + 1} is not key=value`);
    let decoded: string;
    try {
      decoded = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      throw new Error(`OTLP header entry ${i + 1} has a malformed percent-encoding`);
    }
    headers[key.toLowerCase()] = decoded;
  });
  return headers;
}

export function createOtlpSpanExporter(options: OtlpSpanExporterOptions): SpanExporter {
  return new OtlpHttpSpanExporter(options);
}

type Outcome =
  | { ok: true; body: string }
  | { ok: false; retryable: boolean; retryAfterMs: number | null; reason: string };

class OtlpHttpSpanExporter implements SpanExporter {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly resource: ReturnType<typeof encodeAttributes>;
  private readonly maxQueueSize: number;
  private readonly maxBatchSize: number;
  private readonly scheduledDelayMs: number;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly retryable: ReadonlySet<number>;
  private readonly shutdownTimeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly log: Logger;

  private queue: OtlpSpan[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private closed = false;
  /** Aborted when shutdown gives up waiting: pending sleeps and requests end at once. */
  private readonly stopping = new AbortController();
  private readonly counts = { exported: 0, dropped: 0, failed: 0 };
  private lastDropWarning = 0;

  constructor(options: OtlpSpanExporterOptions) {
    this.url = tracesUrl(options.endpoint);
    this.headers = { ...options.headers, 'content-type': 'application/json' };
    this.resource = encodeAttributes({
      'service.name': options.serviceName,
      ...options.resourceAttributes,
    });
    this.maxQueueSize = options.maxQueueSize ?? 2048;
    this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 512);
    this.scheduledDelayMs = options.scheduledDelayMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.initialBackoffMs = options.initialBackoffMs ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.retryable = new Set(options.retryableStatuses ?? DEFAULT_RETRYABLE);
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.log = options.logger ?? createLogger('telemetry.otlp');
  }

  stats(): ExporterStats {
    return { pending: this.queue.length + this.inFlight, ...this.counts };
  }

  export(spans: readonly DerivedSpan[]): void {
    let dropped = 0;
    for (const span of spans) {
      if (this.closed || span.endTime === null || this.queue.length >= this.maxQueueSize) {
        dropped += 1;
        continue;
      }
      try {
        this.queue.push(encodeSpan(span));
      } catch (error) {
        dropped += 1;
        this.log.warn('span not exportable', { spanId: span.spanId, error });
      }
    }
    if (dropped) this.dropped(dropped);
    if (this.queue.length >= this.maxBatchSize) void this.drain();
    else if (this.queue.length > 0) this.schedule();
  }

  async forceFlush(): Promise<void> {
    while (this.queue.length > 0 || this.draining) await this.drain();
  }

  async shutdown(): Promise<void> {
    if (this.closed) return this.draining ?? undefined;
    this.closed = true;
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = setTimeout(() => resolve('timeout'), this.shutdownTimeoutMs);
    });
    const result = await Promise.race([this.forceFlush().then(() => 'flushed' as const), timedOut]);
    clearTimeout(deadline);
    this.clearTimer();
    if (result === 'timeout') {
      this.stopping.abort();
      const lost = this.queue.length + this.inFlight;
      this.queue = [];
      this.counts.failed += lost;
      this.log.warn('shutdown timed out: spans not delivered', { spans: lost, url: this.url });
      await this.draining;
    }
  }

  private dropped(count: number): void {
    this.counts.dropped += count;
    const now = Date.now();
    if (now - this.lastDropWarning > 10_000) {
      this.lastDropWarning = now;
      this.log.warn('spans dropped', {
        count,
        total: this.counts.dropped,
        queue: this.queue.length,
        closed: this.closed,
      });
    }
  }

  private schedule(): void {
    if (this.timer || this.draining) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.drain();
    }, this.scheduledDelayMs);
    this.timer.unref();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** One sender at a time: batches leave in order, and a struggling receiver is not piled on. */
  private drain(): Promise<void> {
    this.clearTimer();
    this.draining ??= (async () => {
      try {
        while (this.queue.length > 0 && !this.stopping.signal.aborted) {
          const batch = this.queue.splice(0, this.maxBatchSize);
          this.inFlight = batch.length;
          try {
            await this.send(batch);
          } finally {
            this.inFlight = 0;
          }
        }
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }

  private async send(batch: OtlpSpan[]): Promise<void> {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: this.resource },
          scopeSpans: [{ scope: { ...SCOPE }, spans: batch }],
        },
      ],
    });
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.post(body);
      if (outcome.ok) {
        const rejected = partialSuccess(outcome.body);
        this.counts.exported += batch.length - rejected.count;
        if (rejected.count > 0) {
          this.counts.failed += rejected.count;
          this.log.warn('receiver rejected spans', {
            rejected: rejected.count,
            message: rejected.message,
          });
        }
        return;
      }
      if (this.stopping.signal.aborted) return;
      if (!outcome.retryable || attempt >= this.maxAttempts) {
        this.counts.failed += batch.length;
        this.log.error('span export failed', {
          url: this.url,
          spans: batch.length,
          attempts: attempt,
          reason: outcome.reason,
        });
        return;
      }
      const delay = Math.min(this.maxBackoffMs, outcome.retryAfterMs ?? this.backoff(attempt));
      this.log.debug('span export will be retried', {
        url: this.url,
        attempt,
        delayMs: delay,
        reason: outcome.reason,
      });
      await sleep(delay, this.stopping.signal);
    }
  }

  /** Exponential, with "equal jitter": half fixed, half random, so retrying exporters spread out. */
  private backoff(attempt: number): number {
    const base = Math.min(this.maxBackoffMs, this.initialBackoffMs * 2 ** (attempt - 1));
    return base / 2 + Math.random() * (base / 2);
  }

  private async post(body: string): Promise<Outcome> {
    let response: Response;
    try {
      response = await this.fetch(this.url, {
        method: 'POST',
        headers: this.headers,
        body,
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopping.signal]),
      });
    } catch (error) {
      // Refused, reset, unreachable, timed out: the receiver may come back.
      return { ok: false, retryable: true, retryAfterMs: null, reason: describe(error) };
    }
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The status is what counts.
    }
    if (response.ok) return { ok: true, body: text };
    return {
      ok: false,
      retryable: this.retryable.has(response.status),
      retryAfterMs: retryAfter(response.headers.get('retry-after')),
      reason: `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`,
    };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.name}: ${error.message}${cause}`;
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfter(header: string | null, now: number = Date.now()): number | null {
  if (!header) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** ExportTraceServiceResponse.partialSuccess, if the receiver sent one. */
function partialSuccess(body: string): { count: number; message?: string } {
  if (!body) return { count: 0 };
  try {
    const parsed = JSON.parse(body) as {
      partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string };
    };
    const count = Number(parsed.partialSuccess?.rejectedSpans ?? 0);
    return {
      count: Number.isFinite(count) ? count : 0,
      message: parsed.partialSuccess?.errorMessage,
    };
  } catch {
    return { count: 0 };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
