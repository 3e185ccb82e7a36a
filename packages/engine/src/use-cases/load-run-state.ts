import { readEvents, readRunSnapshot, saveRunSnapshot } from '@flightdeck/db';
import {
  parseRunState,
  reduceEvents,
  RUN_STATE_FORMAT,
  type RunEvent,
  type RunState,
} from '@flightdeck/domain';
import { createLogger } from '@flightdeck/telemetry';
import type { Engine } from '../engine';

/** A run's snapshot is brought up to date once it is this many events behind. */
export const SNAPSHOT_EVERY_EVENTS = 2_000;
const PAGE = 5_000;
const log = createLogger('engine.snapshots');

/**
 * A run's state now: its latest snapshot (if any) and the events after it,
 * through the domain reducer. A snapshot far behind is replaced by the state
 * just computed, so no reader reduces a long log twice.
 */
export async function loadRunState(engine: Engine, runId: string): Promise<RunState> {
  return (await loadRunStateWithTail(engine, runId, 0)).state;
}

/** The state now and the last `tail` events of the log (the newest last), for a first screen. */
export async function loadRunStateWithTail(
  engine: Engine,
  runId: string,
  tail: number,
): Promise<{ state: RunState; tail: RunEvent[] }> {
  let state = await readSnapshot(engine, runId);
  const from = state?.lastSeq ?? 0;
  const after: RunEvent[] = [];
  for (;;) {
    const page = await readEvents(engine.db, runId, {
      afterSeq: state?.lastSeq ?? 0,
      limit: PAGE,
    });
    state = reduceEvents(page, state);
    if (tail > 0) keepLast(after, page, tail);
    if (page.length < PAGE) break;
  }
  if (state.lastSeq - from >= SNAPSHOT_EVERY_EVENTS) await keepRunSnapshot(engine, state);
  // Fewer new events than the tail asks for: the rest are the ones just before the snapshot.
  const missing = Math.min(tail - after.length, from);
  const before =
    missing > 0
      ? await readEvents(engine.db, runId, { afterSeq: from - missing, limit: missing })
      : [];
  return { state, tail: [...before, ...after] };
}

/**
 * Keep `state` as the run's snapshot when it crossed a multiple of
 * SNAPSHOT_EVERY_EVENTS since `previousSeq` (what a writer calls after each
 * append: exactly one append crosses each multiple). Failures are reported, never thrown:
 * a snapshot is an optimisation.
 */
export function keepSnapshotIfDue(engine: Engine, state: RunState, previousSeq: number): void {
  if (
    Math.floor(state.lastSeq / SNAPSHOT_EVERY_EVENTS) <=
    Math.floor(previousSeq / SNAPSHOT_EVERY_EVENTS)
  )
    return;
  void keepRunSnapshot(engine, state);
}

/** Keep `state` as its run's snapshot (unless a newer one is kept). Never throws: a snapshot is an optimisation. */
export async function keepRunSnapshot(engine: Engine, state: RunState): Promise<void> {
  if (!state.runId) return;
  try {
    await saveRunSnapshot(engine.db, {
      runId: state.runId,
      seq: state.lastSeq,
      format: RUN_STATE_FORMAT,
      state,
    });
  } catch (error) {
    log.warn('run snapshot not saved', { runId: state.runId, seq: state.lastSeq, error });
  }
}

/** The run's stored state, if there is one of this format that is a state of this run. */
async function readSnapshot(engine: Engine, runId: string): Promise<RunState | undefined> {
  const stored = await readRunSnapshot(engine.db, runId, RUN_STATE_FORMAT);
  if (!stored) return undefined;
  const state = parseRunState(stored.state, runId, stored.seq);
  if (!state) log.warn('run snapshot ignored: not a state of this run', { runId, seq: stored.seq });
  return state ?? undefined;
}

function keepLast<T>(kept: T[], page: readonly T[], max: number): void {
  kept.push(...page.slice(-max));
  if (kept.length > max) kept.splice(0, kept.length - max);
}
