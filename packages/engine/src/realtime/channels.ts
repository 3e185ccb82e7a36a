import type { Redis } from 'ioredis';
import type { ApprovalChanged, RunEvent, RunSummary } from '@flightdeck/domain';

/**
 * Live delivery: after events are committed to PostgreSQL they are published on
 * their run's channel; web nodes subscribe only to the runs someone watches.
 * Run summaries for the fleet page go on one low-rate channel.
 */
export const FLEET_CHANNEL = 'fd:fleet';
/** Approval requests and decisions across all runs, for the inbox and its count. */
export const APPROVALS_CHANNEL = 'fd:approvals';
export const runChannel = (runId: string): string => `fd:run:${runId}`;

export async function publishRunEvents(
  redis: Redis,
  runId: string,
  events: readonly RunEvent[],
): Promise<void> {
  if (events.length === 0) return;
  await redis.publish(runChannel(runId), JSON.stringify({ runId, events }));
}

export async function publishFleetRun(redis: Redis, summary: RunSummary): Promise<void> {
  await redis.publish(FLEET_CHANNEL, JSON.stringify(summary));
}

export async function publishApprovalChanges(
  redis: Redis,
  changes: readonly ApprovalChanged[],
): Promise<void> {
  for (const change of changes) await redis.publish(APPROVALS_CHANNEL, JSON.stringify(change));
}
