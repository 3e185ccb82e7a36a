import { getRunSummary, type Db } from '@flightdeck/db';
import { createLogger } from '@flightdeck/telemetry';
import type { Redis } from 'ioredis';
import { publishFleetRun } from './channels';

const log = createLogger('engine.fleet-publisher');

/**
 * Publishes run summaries for the fleet page, at most once per interval per run
 * (a run's counters change with every model call; the fleet needs a glance, not a firehose).
 * Status changes go out at once.
 */
export class FleetPublisher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Db,
    private readonly redis: Redis,
    private readonly intervalMs = 250,
  ) {}

  touch(runId: string, immediate = false): void {
    if (immediate) {
      const timer = this.timers.get(runId);
      if (timer) clearTimeout(timer);
      this.timers.delete(runId);
      this.track(this.publish(runId));
      return;
    }
    if (this.timers.has(runId)) return;
    this.timers.set(
      runId,
      setTimeout(() => {
        this.timers.delete(runId);
        this.track(this.publish(runId));
      }, this.intervalMs),
    );
  }

  /** Publish everything pending now (on shutdown). */
  async flush(): Promise<void> {
    for (const [runId, timer] of this.timers) {
      clearTimeout(timer);
      this.track(this.publish(runId));
    }
    this.timers.clear();
    await Promise.all(this.inFlight);
  }

  private track(promise: Promise<void>): void {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise));
  }

  private async publish(runId: string): Promise<void> {
    try {
      const summary = await getRunSummary(this.db, runId);
      if (summary) await publishFleetRun(this.redis, summary);
    } catch (error) {
      // A missed fleet update is repaired by the next one or a page load; the log is intact.
      log.warn('fleet summary publish failed', { runId, error });
    }
  }
}
