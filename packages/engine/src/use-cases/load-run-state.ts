import { readAllEvents } from '@flightdeck/db';
import { reduceEvents, type RunState } from '@flightdeck/domain';
import type { Engine } from '../engine';

/** A run's state now: the domain reducer over its whole log. */
export async function loadRunState(engine: Engine, runId: string): Promise<RunState> {
  return reduceEvents(await readAllEvents(engine.db, runId));
}
