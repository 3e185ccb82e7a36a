import { describeIssues, RunEvent } from '@flightdeck/domain';

/** An events row as pg returns it (timestamptz → Date, jsonb → parsed JSON). */
export interface EventRow {
  run_id: string;
  seq: number;
  type: string;
  version: number;
  at: Date;
  agent_id: string | null;
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  payload: unknown;
}

export const EVENT_COLUMNS =
  'run_id, seq, type, version, at, agent_id, trace_id, span_id, parent_span_id, payload';

/** A stored event that no longer matches the domain's event schema. */
export class StoredEventInvalidError extends Error {
  constructor(
    readonly runId: string,
    readonly seq: number,
    detail: string,
  ) {
    super(`Stored event ${seq} of run ${runId} does not match the event schema: ${detail}`);
    this.name = 'StoredEventInvalidError';
  }
}

export function eventFromRow(row: EventRow): RunEvent {
  const parsed = RunEvent.safeParse({
    runId: row.run_id,
    seq: row.seq,
    type: row.type,
    version: row.version,
    at: row.at.toISOString(),
    agentId: row.agent_id,
    traceId: row.trace_id,
    spanId: row.span_id,
    parentSpanId: row.parent_span_id,
    payload: row.payload,
  });
  if (!parsed.success) {
    throw new StoredEventInvalidError(
      row.run_id,
      row.seq,
      describeIssues(parsed.error.issues, '(event)'),
    );
  }
  return parsed.data;
}

/** Column arrays for one `INSERT … SELECT FROM unnest(…)` of many events. */
export function eventColumns(events: readonly RunEvent[]) {
  return {
    seq: events.map((e) => e.seq),
    type: events.map((e) => e.type),
    version: events.map((e) => e.version),
    at: events.map((e) => e.at),
    agentId: events.map((e) => e.agentId),
    traceId: events.map((e) => e.traceId),
    spanId: events.map((e) => e.spanId),
    parentSpanId: events.map((e) => e.parentSpanId),
    payload: events.map((e) => JSON.stringify(e.payload)),
  };
}
