import { ReplayIndex, RunEvent, type RunState } from '@flightdeck/domain';

/**
 * A run's live log in the browser: the events received so far (in seq order,
 * no gaps, no doubles) and the state the domain reducer derives from them,
 * advanced one event at a time.
 *
 * Events can arrive out of order (live messages racing a gap-fill) or twice
 * (a live message that the gap-fill also returned): anything at or below
 * `lastSeq` is dropped, anything beyond `lastSeq + 1` waits in `pending` until
 * the hole is filled.
 */
export class RunFeed {
  readonly events: RunEvent[] = [];
  /** The reducer's states, checkpointed as they are computed: the replay reads any seq from it. */
  readonly index = new ReplayIndex();
  /** Highest seq applied; every seq in 1..lastSeq is in `events`. */
  lastSeq = 0;

  /** The state after every applied event (before the first the reducer rejected). */
  get state(): RunState {
    return this.index.latest;
  }

  /** The reducer rejected an event: the log is inconsistent (shown, never hidden). */
  get reducerError(): string | null {
    return this.index.error;
  }
  /** Events that failed schema validation (dropped, then re-fetched by seq). */
  invalidCount = 0;
  private readonly pending = new Map<number, RunEvent>();

  /** True when some events are waiting for missing ones before them. */
  get hasGap(): boolean {
    return this.pending.size > 0;
  }

  /** Validate untrusted events from the server; the invalid ones are counted and dropped. */
  static parse(raw: unknown): RunEvent[] {
    if (!Array.isArray(raw)) return [];
    const out: RunEvent[] = [];
    for (const item of raw as unknown[]) {
      const parsed = RunEvent.safeParse(item);
      if (parsed.success) out.push(parsed.data);
    }
    return out;
  }

  /** Take events in any order; returns how many were applied. */
  ingest(events: readonly RunEvent[]): number {
    for (const event of events) {
      if (event.seq > this.lastSeq && !this.pending.has(event.seq))
        this.pending.set(event.seq, event);
    }
    let applied = 0;
    for (
      let next = this.pending.get(this.lastSeq + 1);
      next;
      next = this.pending.get(this.lastSeq + 1)
    ) {
      this.pending.delete(next.seq);
      this.apply(next);
      applied += 1;
    }
    return applied;
  }

  private apply(event: RunEvent): void {
    this.events.push(event);
    this.lastSeq = event.seq;
    this.index.extend(this.events);
  }
}
