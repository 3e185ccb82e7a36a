import { z } from 'zod';
import { Uuid } from './ids';
import { RUN_STATUSES } from './events/reducer';
import { RunEvent } from './events/schema';

/**
 * The Socket.IO protocol between the web server and browsers. Both sides parse
 * what they receive: the server its clients' messages, the browser the server's.
 */

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
  createdAt: z.string(),
  endedAt: z.string().nullable(),
});
export type RunSummary = z.infer<typeof RunSummary>;

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
}

export interface ClientToServerEvents {
  'run.watch': (
    input: unknown,
    ack: (result: Ack<{ events: RunEvent[]; lastSeq: number }>) => void,
  ) => void;
  'run.unwatch': (input: unknown, ack: (result: Ack) => void) => void;
  'fleet.watch': (input: unknown, ack: (result: Ack) => void) => void;
}

/** Largest number of events a watch ack carries; a client asks again for the rest. */
export const WATCH_GAP_FILL_LIMIT = 2000;
