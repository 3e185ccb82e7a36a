import type { RunEvent } from './schema';

/**
 * A model or tool call is opened once and closed once (the reducer refuses a
 * result for a call that is not open). Two executions of one turn can both
 * hold a call's result, e.g. when Redis lost the job of a turn still running
 * and the reconciler queued it again: the store records the first ending and
 * refuses the second. This names the events of that lifecycle.
 */
export type CallLifecycleRole = 'opens' | 'closes';

const ROLES: Partial<Record<RunEvent['type'], CallLifecycleRole>> = {
  'llm.call.started': 'opens',
  'llm.call.finished': 'closes',
  'llm.call.failed': 'closes',
  'tool.call.dispatched': 'opens',
  'tool.call.finished': 'closes',
  'tool.call.interrupted': 'closes',
  // Ends an interrupted call, unless it asks for a retry (the call is requested again).
  'tool.call.resolved': 'closes',
};

/** The event types of a call's lifecycle. */
export const CALL_LIFECYCLE_TYPES = Object.keys(ROLES) as RunEvent['type'][];

/** What an event does to its call: opens it, closes it, or nothing (null). */
export function callLifecycleRole(event: {
  type: string;
  payload: unknown;
}): CallLifecycleRole | null {
  const role = ROLES[event.type as RunEvent['type']];
  if (!role) return null;
  if (
    event.type === 'tool.call.resolved' &&
    (event.payload as { resolution?: unknown }).resolution === 'retry'
  )
    return 'opens';
  return role;
}

/**
 * Whether `event` may be appended after `latest`, the call's last lifecycle
 * event in the log (null: none yet): a call is closed only while open. A
 * close without any opening (a call refused before dispatch) is allowed once.
 */
export function mayAppendToCall(
  event: { type: string; payload: unknown },
  latest: { type: string; payload: unknown } | null,
): boolean {
  if (callLifecycleRole(event) !== 'closes' || event.type === 'tool.call.resolved') return true;
  return latest === null || callLifecycleRole(latest) === 'opens';
}
