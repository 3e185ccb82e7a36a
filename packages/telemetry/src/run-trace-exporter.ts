import type { RunEvent } from '@flightdeck/domain';
import { createLogger, type Logger } from './logger';
import {
  createOtlpSpanExporter,
  type OtlpSpanExporterOptions,
  type SpanExporter,
} from './otlp/exporter';
import { SpanDeriver } from './spans/derive';
import type { DerivedSpan } from './spans/types';

/** Reads a run's events after a seq, in seq order (one page; called again for more). */
export type LoadRunEvents = (runId: string, afterSeq: number) => Promise<readonly RunEvent[]>;

export interface RunTraceExporterOptions {
  exporter: Pick<SpanExporter, 'export' | 'forceFlush' | 'shutdown'>;
  /**
   * Fills gaps from the event store. A process sees only the events it appends
   * (web: starts, kills, controls; each worker: its turns), so without it spans
   * opened elsewhere are exported from what this process saw (`flightdeck.partial`).
   */
  loadEvents?: LoadRunEvents;
  /** See DeriveOptions.captureContent. Off by default. */
  captureContent?: boolean;
  maxContentLength?: number;
  /**
   * How long spans ended by events this process did not append are kept, in
   * case its own report of those events arrives late (concurrent appends to one
   * run can reach `onEvents` out of seq order). Default 60 s.
   */
  heldSpanTtlMs?: number;
  /** A run with no events for this long is forgotten (its open spans are another process's to export). Default 10 min. */
  idleRunTtlMs?: number;
  /** Runs tracked at once; the least recently active are forgotten first. Default 1000. */
  maxRuns?: number;
  logger?: Logger;
  now?: () => number;
}

interface RunTrace {
  deriver: SpanDeriver;
  /** The last seq applied to the deriver. */
  applied: number;
  /** Spans ended by events another process appended, by the seq that ended them. */
  held: Map<number, { spans: DerivedSpan[]; at: number }>;
  touched: number;
  chain: Promise<void>;
}

/**
 * Turns the events a process appends into exported spans, live: it keeps each
 * run's open spans in memory and exports a span once, when it ends.
 *
 * Each process exports the spans ended by the events *it* appended — every
 * event is appended by exactly one process, so across web and workers every
 * span is exported once. Gaps (events appended elsewhere) are filled from the
 * store with `loadEvents`, so a span ended here but opened elsewhere is still
 * complete. Spans still open at shutdown are not exported: whichever process
 * appends the event that ends them will. (At most once: spans queued but not
 * yet sent when a process dies are lost.)
 */
export class RunTraceExporter {
  private readonly runs = new Map<string, RunTrace>();
  private readonly exporter: RunTraceExporterOptions['exporter'];
  private readonly loadEvents: LoadRunEvents | undefined;
  private readonly captureContent: boolean;
  private readonly maxContentLength: number | undefined;
  private readonly heldSpanTtlMs: number;
  private readonly idleRunTtlMs: number;
  private readonly maxRuns: number;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly pending = new Set<Promise<void>>();
  private closed = false;
  private lastSweep = 0;

  constructor(options: RunTraceExporterOptions) {
    this.exporter = options.exporter;
    this.loadEvents = options.loadEvents;
    this.captureContent = options.captureContent ?? false;
    this.maxContentLength = options.maxContentLength;
    this.heldSpanTtlMs = options.heldSpanTtlMs ?? 60_000;
    this.idleRunTtlMs = options.idleRunTtlMs ?? 10 * 60_000;
    this.maxRuns = options.maxRuns ?? 1000;
    this.log = options.logger ?? createLogger('telemetry.run-traces');
    this.now = options.now ?? Date.now;
  }

  /** Runs currently tracked (for tests and metrics). */
  get trackedRuns(): number {
    return this.runs.size;
  }

  /**
   * Events this process has just appended (committed) to a run. Never throws and
   * never waits on the network: spans are queued on the exporter.
   */
  onEvents(runId: string, events: readonly RunEvent[]): void {
    if (this.closed || events.length === 0) return;
    const batch = [...events];
    const run = this.track(runId);
    const step = run.chain
      .then(() => this.process(runId, run, batch))
      .catch((error: unknown) => this.log.warn('trace derivation failed', { runId, error }));
    run.chain = step;
    this.pending.add(step);
    void step.finally(() => this.pending.delete(step));
    this.sweep();
  }

  /** Wait until every event handed over so far is derived, and its spans sent. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    await this.exporter.forceFlush();
  }

  /** Stop taking events, finish what was handed over, flush and shut the exporter down. Open spans are not exported. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    this.runs.clear();
    await this.exporter.shutdown();
  }

  private track(runId: string): RunTrace {
    let run = this.runs.get(runId);
    if (run) this.runs.delete(runId);
    run ??= {
      deriver: new SpanDeriver({
        captureContent: this.captureContent,
        maxContentLength: this.maxContentLength,
        retainEnded: false,
      }),
      applied: 0,
      held: new Map(),
      touched: 0,
      chain: Promise.resolve(),
    };
    run.touched = this.now();
    // Re-inserted: the map's order is least recently active first.
    this.runs.set(runId, run);
    return run;
  }

  private async process(runId: string, run: RunTrace, events: RunEvent[]): Promise<void> {
    const ours = events.filter((e) => e.runId === runId).sort((a, b) => a.seq - b.seq);
    const ready: DerivedSpan[] = [];
    for (const event of ours) {
      if (event.seq <= run.applied) {
        // Applied already from the store (it arrived here late): the spans it ended are ours.
        const held = run.held.get(event.seq);
        if (held) ready.push(...held.spans);
        run.held.delete(event.seq);
        continue;
      }
      if (event.seq > run.applied + 1) await this.backfill(runId, run, event.seq);
      run.deriver.apply(event);
      run.applied = event.seq;
      ready.push(...run.deriver.takeEnded());
    }
    if (ready.length > 0) this.exporter.export(ready);
    const now = this.now();
    for (const [seq, held] of run.held)
      if (now - held.at > this.heldSpanTtlMs) run.held.delete(seq);
    if (run.deriver.runEnded && run.held.size === 0 && this.runs.get(runId) === run)
      this.runs.delete(runId);
  }

  /** Apply the events before `untilSeq` that this process did not append; hold the spans they end. */
  private async backfill(runId: string, run: RunTrace, untilSeq: number): Promise<void> {
    if (!this.loadEvents) return;
    try {
      while (run.applied < untilSeq - 1) {
        const page = (await this.loadEvents(runId, run.applied)).filter(
          (e) => e.seq > run.applied && e.seq < untilSeq,
        );
        if (page.length === 0) break;
        for (const event of [...page].sort((a, b) => a.seq - b.seq)) {
          if (event.seq <= run.applied) continue;
          run.deriver.apply(event);
          run.applied = event.seq;
          const ended = run.deriver.takeEnded();
          if (ended.length > 0) run.held.set(event.seq, { spans: ended, at: this.now() });
        }
      }
    } catch (error) {
      this.log.warn('could not read events to fill a gap; spans may be partial', {
        runId,
        afterSeq: run.applied,
        untilSeq,
        error,
      });
    }
  }

  /** Forget runs idle for too long, and the least recently active past the cap. */
  private sweep(): void {
    const now = this.now();
    if (this.runs.size <= this.maxRuns && now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    for (const [runId, run] of this.runs) {
      if (this.runs.size > this.maxRuns || now - run.touched > this.idleRunTtlMs)
        this.runs.delete(runId);
      else break;
    }
  }
}

export type OtlpRunTraceExporterOptions = OtlpSpanExporterOptions &
  Omit<RunTraceExporterOptions, 'exporter'>;

/** A RunTraceExporter that ships to an OTLP/HTTP collector: what a process wires when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
export function createOtlpRunTraceExporter(options: OtlpRunTraceExporterOptions): RunTraceExporter {
  return new RunTraceExporter({ ...options, exporter: createOtlpSpanExporter(options) });
}
