import { describeIssues, RunEvent } from '@flightdeck/domain';

/** An events row as pg returns it (timestamptz → Date, jsonb → parsed JSON). */
export interface EventRow {
  run_id: string;
  seq: number;
  type: string;
  version: number;
  /** A Date from a column; a UTC ISO-8601 string from JSON built in SQL. */
  at: Date | string;
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
    at: typeof row.at === 'string' ? row.at : row.at.toISOString(),
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

/**
 * Events as one JSON array of rows (for `json_to_recordset` in the append function):
 * one string serialized natively, rather than an array parameter per column
 * (which the driver escapes element by element).
 */
export function eventRecords(events: readonly RunEvent[]): string {
  return JSON.stringify(
    events.map((e) => ({
      seq: e.seq,
      type: e.type,
      version: e.version,
      at: e.at,
      agent_id: e.agentId,
      trace_id: e.traceId,
      span_id: e.spanId,
      parent_span_id: e.parentSpanId,
      payload: e.payload,
    })),
  );
}
