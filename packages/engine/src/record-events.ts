import { type AppendOptions, type AppendResult, appendEventsWithMissed } from '@flightdeck/db';
import { approvalChangesOf, type EventDraft, type RunEvent } from '@flightdeck/domain';
import { createLogger } from '@flightdeck/telemetry';
import type { Engine } from './engine';
import { publishApprovalChanges, publishRunEvents } from './realtime/channels';

const log = createLogger('engine.record-events');

const SUMMARY_CHANGING = new Set<EventDraft['type']>([
  'run.started',
  'run.completed',
  'run.failed',
  'run.killed',
  'agent.spawned',
  'breaker.opened',
  'breaker.half-opened',
  'breaker.closed',
]);

/**
 * Persist, then publish: events are committed to PostgreSQL (numbered, gapless)
 * before they are published to Redis for live delivery. A failed publish loses
 * nothing: clients gap-fill by seq from PostgreSQL.
 */
export async function recordEvents(
  engine: Engine,
  runId: string,
  drafts: EventDraft[],
  options: AppendOptions = {},
): Promise<RunEvent[]> {
  return (await recordEventsWithMissed(engine, runId, drafts, options)).events;
}

/** `recordEvents`, also returning what was appended since `options.seenSeq` (the event store's `missed`). */
export async function recordEventsWithMissed(
  engine: Engine,
  runId: string,
  drafts: EventDraft[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  const appended = await appendEventsWithMissed(engine.db, runId, drafts, options);
  const { events } = appended;
  try {
    engine.recorded?.onEvents(runId, events);
  } catch (error) {
    log.warn('recorded-events listener failed', { runId, error });
  }
  try {
    await publishRunEvents(engine.redis, runId, events);
    // The inbox and its count follow approvals (an ending may cancel pending ones).
    await publishApprovalChanges(engine.redis, approvalChangesOf(events));
  } catch (error) {
    // The log is the truth: viewers catch up by seq from PostgreSQL. Say so, loudly.
    log.warn('live publish failed; viewers will gap-fill from PostgreSQL', { runId, error });
  }
  engine.fleet.touch(
    runId,
    drafts.some((d) => SUMMARY_CHANGING.has(d.type)),
  );
  return appended;
}
