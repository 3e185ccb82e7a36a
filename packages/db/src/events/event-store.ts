import {
  type AuditEntryInput,
  CALL_LIFECYCLE_TYPES,
  callLifecycleRole,
  describeIssues,
  DomainError,
  mayAppendToCall,
  projectBatch,
  RunEvent,
  TERMINAL_RUN_STATUSES,
  Uuid,
  type EventDraft,
  type ProjectionDelta,
} from '@flightdeck/domain';
import type pg from 'pg';
import type { Db } from '../client';
import { sqlState, violatedConstraint } from '../connection';
import { appendAuditEntry, parseAuditEntryInput } from '../audit/audit-store';
import { inTransaction } from '../transaction';
import { projectApprovals, touchesApprovals } from '../approvals/approval-projection';
import {
  EVENT_COLUMNS,
  EVENT_RECORD,
  eventFromRow,
  eventRecords,
  type EventRow,
} from './event-rows';

/**
 * The append-only run log. Appends serialize per run on the run's row lock,
 * number events gaplessly (seq = last_seq + 1 …), write them with one
 * statement and update the run's projection columns in the same transaction.
 */

export interface AppendOptions {
  /**
   * Append even though the run has ended (audit facts after a kill). The
   * run's status and end time stay as the first terminal event set them.
   */
  allowAfterEnd?: boolean;
  /**
   * Append only if the agent's last event is still `lastSeq` (and, when given,
   * the run's status is one of `runStatuses`): a decision made on a state that
   * has since changed — a pause, a kill, a steer — is refused with STALE_STATE.
   */
  fence?: {
    agentId: string;
    lastSeq: number;
    runStatuses?: readonly string[];
    /**
     * When the run is paused, append only if its pause is of one of these
     * modes (a turn may finish its steps in a `finish-turn` pause; nothing
     * more is dispatched in an `abort-turn` pause, such as a budget stop).
     */
    pausedModes?: readonly string[];
  };
  /**
   * Append only if the run's last event is still this seq: a decision about
   * the whole run (a breaker tripping) made on a state that has since moved is
   * refused with STALE_STATE.
   */
  expectRunSeq?: number;
  /** Append only if the run's status is one of these (checked under the run's lock), else STALE_STATE. */
  runStatuses?: readonly string[];
  /**
   * The governance act these events record (a kill, a pause, a steer …): its
   * audit entry is appended in the same transaction, so the events are written
   * only if the entry is.
   */
  audit?: AuditEntryInput;
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(TERMINAL_RUN_STATUSES);

/** Whether this event ends its run (run.completed, run.failed, run.killed), as the domain's projection says. */
const endsRun = (event: EventDraft): boolean => projectBatch([event]).ended;

/**
 * Appends events to a run and returns them as stored (seq assigned, `at`
 * normalized to UTC milliseconds). Throws DomainError NOT_FOUND for an unknown
 * run, RUN_NOT_ACTIVE if the run has ended (unless allowAfterEnd), and
 * INVALID_INPUT for an event that does not match the event schema (or an
 * invalid audit entry). Writes nothing unless it writes everything, the audit
 * entry included.
 */
export async function appendEvents(
  db: Db,
  runId: string,
  drafts: readonly EventDraft[],
  options: AppendOptions = {},
): Promise<RunEvent[]> {
  if (!Uuid.safeParse(runId).success) throw new DomainError('NOT_FOUND', `No run ${runId}`);
  if (drafts.length === 0) return [];
  const numbered = validateDrafts(runId, drafts, options.allowAfterEnd === true);
  const delta = projectBatch(numbered);
  const audit = options.audit && parseAuditEntryInput(options.audit);

  try {
    if (!needsReadsUnderLock(numbered, delta, options)) {
      // Nothing to read under the run's lock: one statement, its own transaction.
      const written = await writeEventsAndProjection(db.pool, runId, numbered, delta, options);
      return numberedFrom(numbered, written.lastSeq);
    }
    return await inTransaction(db.pool, async (client) => {
      const run = await client.query<{ status: string; last_seq: number }>({
        name: 'flightdeck-lock-run',
        text: 'SELECT status, last_seq FROM runs WHERE id = $1 FOR UPDATE',
        values: [runId],
      });
      const current = run.rows[0];
      if (!current) throw new DomainError('NOT_FOUND', `No run ${runId}`);
      refuseIfMoved(runId, current, options);
      // Read after the lock is held (its own statement, so it sees every append committed before).
      if (options.fence) await checkFence(client, runId, current.status, options.fence);
      await refuseSecondEndings(client, runId, numbered);
      // Agents first: the next statement moves their last seq too.
      await insertSpawnedAgents(client, runId, numbered, delta);
      await writeEventsAndProjection(client, runId, numbered, delta, options);
      const events = numberedFrom(numbered, current.last_seq);
      await projectApprovals(client, runId, events);
      // Last: the chain's head lock is held only until the commit.
      if (audit) await appendAuditEntry(client, audit);
      return events;
    });
  } catch (error) {
    throw asDomainError(error, runId);
  }
}

/**
 * Whether an append must read the log or other tables under the run's lock
 * (a fence, a call's ending, spawned agents, approvals, an audit entry), and
 * so needs a transaction of several statements.
 */
function needsReadsUnderLock(
  events: readonly RunEvent[],
  delta: ProjectionDelta,
  options: AppendOptions,
): boolean {
  return (
    options.fence !== undefined ||
    options.audit !== undefined ||
    delta.spawnedAgents.length > 0 ||
    events.some((e) => callLifecycleRole(e) === 'closes') ||
    touchesApprovals(events)
  );
}

/** The drafts (numbered 1…n) as stored after the run's event `lastSeq`. */
const numberedFrom = (events: readonly RunEvent[], lastSeq: number): RunEvent[] =>
  events.map((event) => ({ ...event, seq: lastSeq + event.seq }));

/** Refuses an append to a run that has ended or moved from what the caller expects. */
function refuseIfMoved(
  runId: string,
  current: { status: string; last_seq: number },
  options: AppendOptions,
): void {
  if (TERMINAL_STATUSES.has(current.status) && !options.allowAfterEnd) {
    throw new DomainError(
      'RUN_NOT_ACTIVE',
      `Run ${runId} has ended (${current.status}); nothing more may be appended`,
    );
  }
  if (options.expectRunSeq !== undefined && current.last_seq !== options.expectRunSeq) {
    throw new DomainError(
      'STALE_STATE',
      `Run ${runId} has moved on (last event ${current.last_seq}, expected ${options.expectRunSeq})`,
    );
  }
  if (options.runStatuses && !options.runStatuses.includes(current.status))
    throw new DomainError(
      'STALE_STATE',
      `Run ${runId} is ${current.status}, not ${options.runStatuses.join(' or ')}`,
    );
}

/**
 * Validates drafts against the event schema before any lock is taken, as if
 * numbered 1…n; the real seqs are assigned under the lock.
 */
function validateDrafts(
  runId: string,
  drafts: readonly EventDraft[],
  allowAfterEnd: boolean,
): RunEvent[] {
  return drafts.map((draft, i) => {
    const parsed = RunEvent.safeParse({ ...draft, runId, seq: i + 1, version: 1 });
    if (!parsed.success) {
      throw new DomainError(
        'INVALID_INPUT',
        `Event ${i} (${draft.type}) is invalid: ${describeIssues(parsed.error.issues, '(event)')}`,
        {
          index: i,
          issues: parsed.error.issues,
        },
      );
    }
    if (!allowAfterEnd && i < drafts.length - 1 && endsRun(draft)) {
      throw new DomainError(
        'INVALID_INPUT',
        `Event ${i} (${draft.type}) ends the run but is followed by more events`,
      );
    }
    return { ...parsed.data, at: new Date(parsed.data.at).toISOString() };
  });
}

async function checkFence(
  client: pg.PoolClient,
  runId: string,
  runStatus: string,
  fence: NonNullable<AppendOptions['fence']>,
): Promise<void> {
  if (fence.runStatuses && !fence.runStatuses.includes(runStatus)) {
    throw new DomainError(
      'STALE_STATE',
      `Run ${runId} is ${runStatus}, not ${fence.runStatuses.join(' or ')}`,
    );
  }
  const agent = await client.query<{ last_seq: number | null; pause_mode: string | null }>({
    name: 'flightdeck-agent-fence',
    text: `SELECT (SELECT last_seq FROM agents WHERE id = $2 AND run_id = $1) AS last_seq,
            CASE WHEN $3 THEN
              (SELECT payload->>'mode' FROM events
                WHERE run_id = $1 AND type = 'run.paused' ORDER BY seq DESC LIMIT 1)
            END AS pause_mode`,
    values: [runId, fence.agentId, runStatus === 'paused' && fence.pausedModes !== undefined],
  });
  const { last_seq: lastSeq, pause_mode: mode } = agent.rows[0]!;
  if (runStatus === 'paused' && fence.pausedModes) {
    if (!mode || !fence.pausedModes.includes(mode))
      throw new DomainError('STALE_STATE', `Run ${runId} is paused (${mode ?? 'unknown mode'})`);
  }
  if (lastSeq !== fence.lastSeq) {
    throw new DomainError(
      'STALE_STATE',
      `Agent ${fence.agentId} of run ${runId} has moved on (last event ${lastSeq ?? 'none'}, expected ${fence.lastSeq})`,
    );
  }
}

/**
 * A call's result is recorded once: an ending (result, failure, interruption)
 * of a call whose last lifecycle event already ended it is refused with
 * STALE_STATE, so a second execution of the same turn (its job lost with Redis
 * and queued again while the first still ran) cannot write a second ending.
 */
async function refuseSecondEndings(
  client: pg.PoolClient,
  runId: string,
  events: readonly RunEvent[],
): Promise<void> {
  const callIdOf = (e: RunEvent) => (e.payload as { callId?: unknown }).callId;
  const ending = events.filter(
    (e) => callLifecycleRole(e) === 'closes' && typeof callIdOf(e) === 'string',
  );
  if (ending.length === 0) return;
  const { rows } = await client.query<{ call_id: string; type: string; payload: unknown }>({
    name: 'flightdeck-call-endings',
    text: `SELECT DISTINCT ON (payload->>'callId') payload->>'callId' AS call_id, type, payload
       FROM events
      WHERE run_id = $1 AND type = ANY($2::text[]) AND payload->>'callId' = ANY($3::text[])
      ORDER BY payload->>'callId', seq DESC`,
    values: [runId, CALL_LIFECYCLE_TYPES, [...new Set(ending.map((e) => callIdOf(e) as string))]],
  });
  const latest = new Map<string, { type: string; payload: unknown }>(
    rows.map((r) => [r.call_id, r]),
  );
  for (const event of events) {
    const callId = callIdOf(event);
    if (typeof callId !== 'string' || !callLifecycleRole(event)) continue;
    if (!mayAppendToCall(event, latest.get(callId) ?? null))
      throw new DomainError(
        'STALE_STATE',
        `Call ${callId} of run ${runId} has already ended (${latest.get(callId)?.type}); ${event.type} is not recorded`,
      );
    latest.set(callId, event);
  }
}

/**
 * One statement: locks the run's row, refuses (writing nothing) if the run
 * has ended or moved from what `options` expect, else writes the events
 * (numbered 1…n, stored after the run's last seq), each agent's last seq
 * (for the fence) and the run's projection columns. Once a run has ended its
 * status and end time are final. Returns the run's status and last seq before
 * the append.
 */
async function writeEventsAndProjection(
  db: pg.Pool | pg.PoolClient,
  runId: string,
  events: readonly RunEvent[],
  delta: ProjectionDelta,
  options: AppendOptions,
): Promise<{ status: string; lastSeq: number }> {
  const agentSeqs = new Map<string, number>();
  for (const event of events) if (event.agentId) agentSeqs.set(event.agentId, event.seq);
  const endedAt = delta.ended ? (events.findLast((e) => endsRun(e))?.at ?? null) : null;
  const { rows } = await db.query<{ status: string; last_seq: number; appended: boolean }>({
    // Prepared once per connection: parsed and planned once, not at every append.
    name: 'flightdeck-append-events',
    text: `WITH run AS (
       SELECT id, status, last_seq FROM runs WHERE id = $1 FOR UPDATE
     ), go AS (
       SELECT id, last_seq, status = ANY($15::text[]) AS ended FROM run
        WHERE (status <> ALL($15::text[]) OR $16::boolean)
          AND ($17::int IS NULL OR last_seq = $17::int)
          AND ($18::text[] IS NULL OR status = ANY($18::text[]))
     ), inserted AS (
       INSERT INTO events (${EVENT_COLUMNS})
       SELECT $1, go.last_seq + e.seq, e.type, e.version, e.at, e.agent_id, e.trace_id, e.span_id, e.parent_span_id, e.payload
         FROM go, json_to_recordset($2::json) AS e(${EVENT_RECORD})
     ), agent_seqs AS (
       UPDATE agents SET last_seq = go.last_seq + v.seq
         FROM go, unnest($12::uuid[], $13::int[]) AS v(id, seq)
        WHERE agents.id = v.id AND agents.run_id = $1
     ), projected AS (
       UPDATE runs SET
          status = CASE WHEN go.ended THEN runs.status ELSE COALESCE($3, runs.status) END,
          ended_at = CASE WHEN go.ended THEN runs.ended_at ELSE COALESCE($4, runs.ended_at) END,
          last_seq = go.last_seq + $5,
          turns = turns + $6,
          input_tokens = input_tokens + $7,
          output_tokens = output_tokens + $8,
          cost_micro_usd = cost_micro_usd + $9,
          agent_count = agent_count + $14,
          open_breakers = CASE WHEN cardinality($10::text[]) + cardinality($11::text[]) = 0 THEN open_breakers
            ELSE ARRAY(
              SELECT DISTINCT k FROM unnest(COALESCE(open_breakers, '{}') || $10::text[]) AS k
               WHERE NOT (k = ANY($11::text[])) ORDER BY k)
            END
         FROM go
        WHERE runs.id = go.id
     )
     SELECT status, last_seq, EXISTS (SELECT 1 FROM go) AS appended FROM run`,
    values: [
      runId,
      eventRecords(events),
      delta.status,
      endedAt,
      events.length,
      delta.turns,
      delta.inputTokens,
      delta.outputTokens,
      delta.costMicroUsd,
      Object.keys(delta.breakers).filter((k) => delta.breakers[k] === 'open'),
      Object.keys(delta.breakers).filter((k) => delta.breakers[k] === 'closed'),
      [...agentSeqs.keys()],
      [...agentSeqs.values()],
      delta.spawnedAgents.length,
      TERMINAL_RUN_STATUSES,
      options.allowAfterEnd === true,
      options.expectRunSeq ?? null,
      options.runStatuses ?? null,
    ],
  });
  const run = rows[0];
  if (!run) throw new DomainError('NOT_FOUND', `No run ${runId}`);
  const current = { status: run.status, last_seq: run.last_seq };
  if (!run.appended) {
    refuseIfMoved(runId, current, options);
    throw new Error(`Run ${runId}: the append was refused for a reason the store does not know`);
  }
  return { status: run.status, lastSeq: run.last_seq };
}

async function insertSpawnedAgents(
  client: pg.PoolClient,
  runId: string,
  events: readonly RunEvent[],
  delta: ProjectionDelta,
): Promise<void> {
  if (delta.spawnedAgents.length === 0) return;
  const spawnedAt = new Map(
    events.filter((e) => e.type === 'agent.spawned').map((e) => [e.agentId, e.at]),
  );
  const agents = delta.spawnedAgents;
  await client.query(
    `INSERT INTO agents (id, run_id, parent_id, name, role, model, depth, created_at)
     SELECT a.id, $1, a.parent_id, a.name, a.role, a.model, a.depth, a.created_at
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[])
         AS a(id, parent_id, name, role, model, depth, created_at)`,
    [
      runId,
      agents.map((a) => a.agentId),
      agents.map((a) => a.parentAgentId),
      agents.map((a) => a.name),
      agents.map((a) => a.role),
      agents.map((a) => `${a.model.provider}/${a.model.name}`),
      agents.map((a) => a.depth),
      agents.map((a) => spawnedAt.get(a.agentId) ?? null),
    ],
  );
}

function asDomainError(error: unknown, runId: string): unknown {
  if (error instanceof DomainError) return error;
  const state = sqlState(error);
  if (state === '23505' && violatedConstraint(error) === 'agents_pkey') {
    return new DomainError('CONFLICT', `An agent spawned in run ${runId} already exists`);
  }
  if (state === '23505' && violatedConstraint(error) === 'events_pkey') {
    return new DomainError(
      'CONFLICT',
      `Run ${runId}: its last_seq disagrees with its events (duplicate seq)`,
    );
  }
  if (state === '22P05' || state === '22021') {
    return new DomainError(
      'INVALID_INPUT',
      `Run ${runId}: an event payload contains a character PostgreSQL cannot store (e.g. \\u0000)`,
    );
  }
  return error;
}

export interface ReadEventsOptions {
  /** Events with seq greater than this. Default 0 (from the start). */
  afterSeq?: number;
  /** At most this many (1…10,000). Default 1,000. */
  limit?: number;
}

export const MAX_EVENTS_PER_READ = 10_000;

/** One page of a run's events in seq order, each parsed with the domain's event schema. */
export async function readEvents(
  db: Db,
  runId: string,
  options: ReadEventsOptions = {},
): Promise<RunEvent[]> {
  const { afterSeq = 0, limit = 1_000 } = options;
  if (!Number.isInteger(afterSeq) || afterSeq < 0) {
    throw new DomainError(
      'INVALID_INPUT',
      `afterSeq must be a non-negative integer, got ${afterSeq}`,
    );
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENTS_PER_READ) {
    throw new DomainError(
      'INVALID_INPUT',
      `limit must be an integer from 1 to ${MAX_EVENTS_PER_READ}, got ${limit}`,
    );
  }
  if (!Uuid.safeParse(runId).success) return [];
  const result = await db.pool.query<EventRow>({
    name: 'flightdeck-read-events',
    text: `SELECT ${EVENT_COLUMNS} FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    values: [runId, afterSeq, limit],
  });
  return result.rows.map(eventFromRow);
}

/** Every event of a run (after `afterSeq`), read in pages. */
export async function readAllEvents(db: Db, runId: string, afterSeq = 0): Promise<RunEvent[]> {
  const pageSize = 5_000;
  const all: RunEvent[] = [];
  let cursor = afterSeq;
  for (;;) {
    const page = await readEvents(db, runId, { afterSeq: cursor, limit: pageSize });
    all.push(...page);
    const last = page.at(-1);
    if (page.length < pageSize || !last) return all;
    cursor = last.seq;
  }
}
