import type { EventDraft, RunEvent } from '@flightdeck/domain';

/**
 * How a re-run's events are compared with the recorded ones: the same type,
 * agent and payload, with the ids a new run must have (agents, approvals,
 * call ids that embed them) mapped, and what can never repeat left out: times,
 * span and trace ids, measured latencies, approval fingerprints and expiry
 * times (they cover the run's own ids and clock), and commit ids (they cover
 * times; the workspace's content is compared by its tree).
 */

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

type Comparable = Pick<RunEvent, 'type' | 'agentId' | 'payload'> | EventDraft;

const VOLATILE: Partial<Record<RunEvent['type'], readonly string[]>> = {
  'llm.call.finished': ['latencyMs'],
  'tool.call.finished': ['durationMs'],
  'approval.requested': ['fingerprint', 'warnAt', 'expiresAt'],
  'approval.voted': ['fingerprint'],
  'approval.decided': ['fingerprint'],
  'approval.expiring': ['expiresAt'],
  'workspace.committed': ['commit', 'parent', 'files', 'moreFiles'],
  'workspace.restored': ['commit', 'parent', 'files', 'moreFiles'],
};

export interface CanonicalEvent {
  /** The comparable form, with ids mapped and unknown ids numbered in order of appearance. */
  text: string;
  /** Ids not yet known, in order of appearance: bound pairwise when two events match. */
  unknown: string[];
}

/** `known(id)`: the id as the recording names it, or undefined when not (yet) known. */
export function canonicalEvent(
  event: Comparable,
  known: (id: string) => string | undefined,
): CanonicalEvent {
  const payload = { ...(event.payload as Record<string, unknown>) };
  for (const key of VOLATILE[event.type] ?? []) delete payload[key];
  const unknown: string[] = [];
  const text = JSON.stringify({ type: event.type, agentId: event.agentId, payload }).replace(
    UUID,
    (raw) => {
      const id = raw.toLowerCase();
      const mapped = known(id);
      if (mapped !== undefined) return mapped;
      let index = unknown.indexOf(id);
      if (index < 0) index = unknown.push(id) - 1;
      return `<new ${index}>`;
    },
  );
  return { text, unknown };
}

/** A short description of an event for a divergence report. */
export function describeForReport(event: Comparable | undefined | null) {
  if (!event) return null;
  const payload = JSON.stringify(event.payload);
  return {
    type: event.type,
    agentId: event.agentId,
    payload: payload.length > 600 ? `${payload.slice(0, 600)}…` : payload,
  };
}
