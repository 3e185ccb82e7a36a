import { z } from 'zod';
import { Uuid } from './ids';
import { RUN_STATUSES } from './events/reducer';
import { RunEvent } from './events/schema';

/**
 * The Socket.IO protocol between the web server and browsers. Both sides parse
 * what they receive: the server its clients' messages, the browser the server's.
 */

/** How a run began: from a goal, as a fork of another run, as a deterministic re-run, or imported. */
export const RunOrigin = z.enum(['spawn', 'fork', 'rerun', 'import']);
export type RunOrigin = z.infer<typeof RunOrigin>;

export const RunSummary = z.object({
  id: Uuid,
  teamId: z.string(),
  teamName: z.string(),
  goal: z.string(),
  status: z.enum(RUN_STATUSES),
  lastSeq: z.number().int().nonnegative(),
  agentCount: z.number().int().nonnegative(),
  turns: z.number().int().nonnegative(),
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costMicroUsd: z.number().int().nonnegative(),
  /** Keys of the run's breakers that are open (or half-open) now. */
  openBreakers: z.array(z.string()).default([]),
  createdAt: z.string(),
  endedAt: z.string().nullable(),
  /** How the run began, and the run (and step) it came from. */
  origin: RunOrigin.default('spawn'),
  originRunId: Uuid.nullable().default(null),
  originSeq: z.number().int().nullable().default(null),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** An approval changed (requested, voted on, warned, decided, cancelled): the inbox refetches. */
export const ApprovalChanged = z.object({
  /** null for `cancelled`: every pending approval of the ended agent or run. */
  approvalId: Uuid.nullable(),
  runId: Uuid,
  change: z.enum(['requested', 'voted', 'expiring', 'decided', 'cancelled']),
  /** When the event that changed it was recorded. */
  at: z.string(),
});
export type ApprovalChanged = z.infer<typeof ApprovalChanged>;

const ENDINGS = new Set<RunEvent['type']>([
  'agent.finished',
  'agent.failed',
  'agent.killed',
  'run.completed',
  'run.failed',
  'run.killed',
]);

/** The approval changes a batch of a run's events makes (endings may cancel pending ones). */
export function approvalChangesOf(events: readonly RunEvent[]): ApprovalChanged[] {
  const changes: ApprovalChanged[] = [];
  for (const e of events) {
    const change =
      e.type === 'approval.requested'
        ? 'requested'
        : e.type === 'approval.voted'
          ? 'voted'
          : e.type === 'approval.expiring'
            ? 'expiring'
            : e.type === 'approval.decided'
              ? 'decided'
              : null;
    if (change && 'approvalId' in e.payload)
      changes.push({ approvalId: e.payload.approvalId, runId: e.runId, change, at: e.at });
    else if (ENDINGS.has(e.type))
      changes.push({ approvalId: null, runId: e.runId, change: 'cancelled', at: e.at });
  }
  return changes;
}

/** Client → server. */
export const WatchRun = z
  .object({ runId: Uuid, afterSeq: z.number().int().nonnegative() })
  .strict();
export const UnwatchRun = z.object({ runId: Uuid }).strict();

export const RunEventsMessage = z.object({ runId: Uuid, events: z.array(RunEvent).min(1) });
export type RunEventsMessage = z.infer<typeof RunEventsMessage>;

export type Ack<T = object> = ({ ok: true } & T) | { ok: false; error: string };

export interface ServerToClientEvents {
  'run.events': (message: RunEventsMessage) => void;
  'fleet.run': (summary: RunSummary) => void;
  'approvals.changed': (change: ApprovalChanged) => void;
}

export interface ClientToServerEvents {
  'run.watch': (
    input: unknown,
    ack: (result: Ack<{ events: RunEvent[]; lastSeq: number }>) => void,
  ) => void;
  'run.unwatch': (input: unknown, ack: (result: Ack) => void) => void;
  'fleet.watch': (input: unknown, ack: (result: Ack) => void) => void;
  'approvals.watch': (input: unknown, ack: (result: Ack) => void) => void;
}

/** Largest number of events a watch ack carries; a client asks again for the rest. */
export const WATCH_GAP_FILL_LIMIT = 2000;
