import { applyEvent, ReplayIndex, RunEvent, type RunState } from '@flightdeck/domain';

/**
 * Events can arrive out of order (live messages racing a gap-fill) or twice
 * (a live message that the gap-fill also returned): anything at or below
 * `lastSeq` is dropped, anything beyond `lastSeq + 1` waits in `pending` until
 * the hole is filled. Returns the events that now follow `lastSeq`, in order.
 */
function takeInOrder(
  events: readonly RunEvent[],
  lastSeq: number,
  pending: Map<number, RunEvent>,
): RunEvent[] {
  for (const event of events) {
    if (event.seq > lastSeq && !pending.has(event.seq)) pending.set(event.seq, event);
  }
  const ready: RunEvent[] = [];
  for (let next = pending.get(lastSeq + 1); next; next = pending.get(next.seq + 1)) {
    pending.delete(next.seq);
    ready.push(next);
  }
  return ready;
}

/**
 * A run's live log in the browser: the events received so far (in seq order,
 * no gaps, no doubles, see takeInOrder) and the state the domain reducer
 * derives from them, advanced one event at a time.
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
    const ready = takeInOrder(events, this.lastSeq, this.pending);
    for (const event of ready) this.apply(event);
    return ready.length;
  }

  private apply(event: RunEvent): void {
    this.events.push(event);
    this.lastSeq = event.seq;
    this.index.extend(this.events);
  }
}

/**
 * A long run without its whole log: the state at some seq (the server's) and
 * the newest events, advanced by live events like a RunFeed. Holds at most
 * `keep` events: what a page shows of a run it has not read in full.
 */
export class RunWindow {
  /** The newest events, in seq order, ending at `lastSeq` (at most `keep`). */
  readonly events: RunEvent[];
  state: RunState;
  lastSeq: number;
  /** The reducer rejected a live event: the state stops before it. */
  reducerError: string | null = null;
  private readonly pending = new Map<number, RunEvent>();

  constructor(
    start: { seq: number; state: RunState; tail: readonly RunEvent[] },
    private readonly keep: number,
  ) {
    this.state = start.state;
    this.lastSeq = start.seq;
    this.events = start.tail.slice(-keep);
  }

  get hasGap(): boolean {
    return this.pending.size > 0;
  }

  /** Take events in any order; returns how many were applied. */
  ingest(events: readonly RunEvent[]): number {
    const ready = takeInOrder(events, this.lastSeq, this.pending);
    for (const event of ready) {
      this.lastSeq = event.seq;
      this.events.push(event);
      if (this.reducerError) continue;
      try {
        this.state = applyEvent(this.state, event);
      } catch (error) {
        this.reducerError = error instanceof Error ? error.message : String(error);
      }
    }
    if (this.events.length > this.keep) this.events.splice(0, this.events.length - this.keep);
    return ready.length;
  }
}
