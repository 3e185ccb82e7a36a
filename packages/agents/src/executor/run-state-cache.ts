import type { RunState } from '@flightdeck/domain';

/**
 * The states this process last saw of recent runs, so a turn reads and
 * reduces only the events appended since (by any worker) instead of the
 * whole log. Safe because a state is a pure function of a gapless log
 * prefix that never changes, and the reducer never mutates a state it was
 * given. Least recently used runs are dropped past `capacity`.
 */
export class RunStateCache {
  private readonly states = new Map<string, RunState>();

  constructor(private readonly capacity: number) {}

  get(runId: string): RunState | undefined {
    const state = this.states.get(runId);
    if (state) {
      this.states.delete(runId);
      this.states.set(runId, state);
    }
    return state;
  }

  /** Keeps `state` unless a later one of the same run is already kept. */
  remember(runId: string, state: RunState): void {
    const kept = this.states.get(runId);
    if (kept && kept.lastSeq > state.lastSeq) return;
    this.states.delete(runId);
    this.states.set(runId, state);
    if (this.states.size > this.capacity) {
      const oldest = this.states.keys().next().value;
      if (oldest !== undefined) this.states.delete(oldest);
    }
  }

  get size(): number {
    return this.states.size;
  }
}

/** This process's cache (a worker runs turns of a few hundred runs at most at once). */
export const runStates = new RunStateCache(500);
