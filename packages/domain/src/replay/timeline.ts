import { applyEvent, initialRunState, type RunState } from '../events/reducer';
import type { RunEvent } from '../events/schema';

/**
 * The state of a run at any seq, fast: the reducer's state is kept every
 * `interval` events (a checkpoint), so the state at seq N is the checkpoint at
 * or before N plus at most `interval - 1` events — the same reducer as the live
 * view, never a second implementation. States are immutable and share
 * structure, so checkpoints cost little memory. The index follows a growing
 * log: `extend` reduces only the events it has not seen.
 */
export class ReplayIndex {
  /** checkpoints[k]: the state after events[0, k * interval). */
  private readonly checkpoints: RunState[] = [initialRunState()];
  private source: readonly RunEvent[] | null = null;
  private reduced = 0;
  private head: RunState = initialRunState();
  /** The last state computed by `stateAt`, so stepping forward reduces one event. */
  private cursor: { seq: number; state: RunState } = { seq: 0, state: initialRunState() };
  /** Set when the reducer rejected an event: states stop before it. */
  error: string | null = null;

  constructor(readonly interval = 500) {
    if (!Number.isInteger(interval) || interval < 1) throw new Error('interval must be ≥ 1');
  }

  /** How many events are indexed (the highest seq a state can be asked for). */
  get length(): number {
    return this.reduced;
  }

  /** The state after every indexed event. */
  get latest(): RunState {
    return this.head;
  }

  /** Index events[0, count) (the log is append-only; a different array starts over). */
  extend(events: readonly RunEvent[], count: number = events.length): void {
    if (events !== this.source || count < this.reduced) this.reset(events);
    let state = this.head;
    for (; this.reduced < count && !this.error;) {
      const event = events[this.reduced];
      if (!event) break;
      try {
        state = applyEvent(state, event);
      } catch (error) {
        this.error = error instanceof Error ? error.message : String(error);
        break;
      }
      this.reduced += 1;
      if (this.reduced % this.interval === 0) this.checkpoints.push(state);
    }
    this.head = state;
  }

  private reset(events: readonly RunEvent[]): void {
    this.source = events;
    this.reduced = 0;
    this.head = initialRunState();
    this.checkpoints.length = 1;
    this.cursor = { seq: 0, state: this.head };
    this.error = null;
  }

  /** The run as it was right after event `seq` (0: before anything), clamped to what is indexed. */
  stateAt(seq: number): RunState {
    const target = Math.max(0, Math.min(Math.floor(seq), this.reduced));
    if (target === this.reduced) return this.head;
    if (target === this.cursor.seq) return this.cursor.state;
    const k = Math.floor(target / this.interval);
    let from = k * this.interval;
    let state = this.checkpoints[k] ?? this.checkpoints[0]!;
    // Moving forward from the last answer is cheaper than from the checkpoint.
    if (this.cursor.seq < target && this.cursor.seq >= from) {
      from = this.cursor.seq;
      state = this.cursor.state;
    }
    const events = this.source ?? [];
    for (let i = from; i < target; i++) state = applyEvent(state, events[i]!);
    this.cursor = { seq: target, state };
    return state;
  }
}

/** Moments a replay can jump to. */
export type MomentKind = 'approval' | 'error' | 'breaker' | 'kill';
export const MOMENT_KINDS: readonly MomentKind[] = ['approval', 'error', 'breaker', 'kill'];

/** What kind of moment an event is, if any. Breaker events come from the breaker machinery (`breaker.opened`). */
export function momentOf(event: RunEvent): MomentKind | null {
  const type: string = event.type;
  if (type === 'approval.requested' || type === 'approval.decided') return 'approval';
  if (type === 'run.killed' || type === 'agent.killed') return 'kill';
  if (type === 'breaker.opened' || type === 'breaker.tripped') return 'breaker';
  if (
    type === 'run.failed' ||
    type === 'agent.failed' ||
    type === 'llm.call.failed' ||
    type === 'tool.call.interrupted' ||
    (event.type === 'tool.call.finished' && !event.payload.ok)
  )
    return 'error';
  return null;
}

/** Seqs of each kind of moment in events[0, count), ascending. Incremental like the index. */
export class MomentIndex {
  private source: readonly RunEvent[] | null = null;
  private read = 0;
  readonly seqs: Record<MomentKind, number[]> = { approval: [], error: [], breaker: [], kill: [] };

  extend(events: readonly RunEvent[], count: number = events.length): void {
    if (events !== this.source || count < this.read) {
      this.source = events;
      this.read = 0;
      for (const kind of MOMENT_KINDS) this.seqs[kind] = [];
    }
    for (; this.read < count; this.read++) {
      const event = events[this.read];
      if (!event) break;
      const kind = momentOf(event);
      if (kind) this.seqs[kind].push(event.seq);
    }
  }

  /** The first moment of `kind` after `seq` (direction 1) or before it (-1); null if none. */
  next(kind: MomentKind, seq: number, direction: 1 | -1 = 1): number | null {
    const list = this.seqs[kind];
    // Binary search: the first index whose seq is > seq.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]! <= seq) lo = mid + 1;
      else hi = mid;
    }
    if (direction === 1) return list[lo] ?? null;
    // Before: the last index whose seq is < seq.
    let i = lo - 1;
    while (i >= 0 && list[i]! >= seq) i--;
    return i >= 0 ? list[i]! : null;
  }
}
