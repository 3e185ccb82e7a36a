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
import { EVENT_COLUMNS, eventFromRow, eventRecords, type EventRow } from './event-rows';

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
   * The last seq of the caller's state of the run: the events appended after
   * it and before this batch are returned with it (`missed`), so the caller
   * need not read them back.
   */
  seenSeq?: number;
  /**
   * The governance act these events record (a kill, a pause, a steer …): its
   * audit entry is appended in the same transaction, so the events are written
   * only if the entry is.
   */
  audit?: AuditEntryInput;
}

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
  return (await appendEventsWithMissed(db, runId, drafts, options)).events;
}

export interface AppendResult {
  /** The batch as stored. */
  events: RunEvent[];
  /**
   * With `seenSeq`: the events others appended after it and before the batch
   * (at most 200; null when there were more, or without `seenSeq`).
   */
  missed: RunEvent[] | null;
}

/** `appendEvents`, also returning what was appended since the caller's `seenSeq`. */
export async function appendEventsWithMissed(
  db: Db,
  runId: string,
  drafts: readonly EventDraft[],
  options: AppendOptions = {},
): Promise<AppendResult> {
  if (!Uuid.safeParse(runId).success) throw new DomainError('NOT_FOUND', `No run ${runId}`);
  if (drafts.length === 0) return { events: [], missed: null };
  const numbered = validateDrafts(runId, drafts, options.allowAfterEnd === true);
  const delta = projectBatch(numbered);
  const audit = options.audit && parseAuditEntryInput(options.audit);

  const endingFromLog = callsEndedFromLog(runId, numbered);

  try {
    if (!needsTransaction(numbered, delta, options)) {
      // The append alone: one call, its own transaction.
      const { lastSeq, missed } = await callAppend(
        db.pool,
        runId,
        numbered,
        delta,
        options,
        endingFromLog,
      );
      return { events: numberedFrom(numbered, lastSeq), missed };
    }
    return await inTransaction(db.pool, async (client) => {
      // The run's lock first: inserting agents takes a key-share lock on the run's row, which two
      // transactions then upgrading it at once would deadlock on.
      const locked = await client.query({
        name: 'flightdeck-lock-run',
        text: 'SELECT 1 FROM runs WHERE id = $1 FOR UPDATE',
        values: [runId],
      });
      if (locked.rowCount === 0) throw new DomainError('NOT_FOUND', `No run ${runId}`);
      // Agents first: the append moves their last seq too.
      await insertSpawnedAgents(client, runId, numbered, delta);
      const { lastSeq, missed } = await callAppend(
        client,
        runId,
        numbered,
        delta,
        options,
        endingFromLog,
      );
      const events = numberedFrom(numbered, lastSeq);
      await projectApprovals(client, runId, events);
      // Last: the chain's head lock is held only until the commit.
      if (audit) await appendAuditEntry(client, audit);
      return { events, missed };
    });
  } catch (error) {
    throw asDomainError(error, runId);
  }
}

/**
 * Whether an append writes more than the log and the run's projection
 * (spawned agents, approvals, an audit entry), and so needs a transaction
 * around the append.
 */
function needsTransaction(
  events: readonly RunEvent[],
  delta: ProjectionDelta,
  options: AppendOptions,
): boolean {
  return options.audit !== undefined || delta.spawnedAgents.length > 0 || touchesApprovals(events);
}

/** The drafts (numbered 1…n) as stored after the run's event `lastSeq`. */
const numberedFrom = (events: readonly RunEvent[], lastSeq: number): RunEvent[] =>
  events.map((event) => ({ ...event, seq: lastSeq + event.seq }));

const callIdOf = (e: { payload: unknown }) => (e.payload as { callId?: unknown }).callId;

/**
 * A call's result is recorded once: an ending (result, failure, interruption)
 * of a call whose last lifecycle event already ended it is refused with
 * STALE_STATE, so a second execution of the same turn (its job lost with Redis
 * and queued again while the first still ran) cannot write a second ending.
 * What the batch itself decides is checked here; the calls it ends without
 * opening them are returned, for the append to check against the log.
 */
function callsEndedFromLog(runId: string, events: readonly RunEvent[]): string[] {
  const latest = new Map<string, RunEvent>();
  const fromLog = new Set<string>();
  for (const event of events) {
    const callId = callIdOf(event);
    if (typeof callId !== 'string' || !callLifecycleRole(event)) continue;
    const before = latest.get(callId);
    if (before && !mayAppendToCall(event, before))
      throw secondEnding(runId, callId, before.type, event.type);
    if (!before && !mayAppendToCall(event, ENDED)) fromLog.add(callId);
    latest.set(callId, event);
  }
  return [...fromLog];
}

/** A call's last lifecycle event that ended it: what an ending may not follow. */
const ENDED = { type: 'llm.call.finished', payload: {} };

const secondEnding = (runId: string, callId: string, ended: string, type: string) =>
  new DomainError(
    'STALE_STATE',
    `Call ${callId} of run ${runId} has already ended (${ended}); ${type} is not recorded`,
  );

/** Lifecycle event types that open a call (a resolved call that is retried opens it too). */
const OPENING_TYPES = CALL_LIFECYCLE_TYPES.filter(
  (type) => callLifecycleRole({ type, payload: {} }) === 'opens',
);

/**
 * The append itself: `flightdeck_append_events` (its migration says what it
 * does) locks the run's row, checks the run's status and seq, the fence and
 * the calls ended from the log, and writes the events, each agent's last seq
 * and the run's projection columns — in one round trip, so the run's lock is
 * never held while a busy worker gets to its next statement. Throws the
 * refusal as a DomainError; returns the run's last seq before the append and
 * the events since `options.seenSeq`.
 */
async function callAppend(
  db: pg.Pool | pg.PoolClient,
  runId: string,
  events: readonly RunEvent[],
  delta: ProjectionDelta,
  options: AppendOptions,
  endingFromLog: readonly string[],
): Promise<{ lastSeq: number; missed: RunEvent[] | null }> {
  const agentSeqs = new Map<string, number>();
  for (const event of events) if (event.agentId) agentSeqs.set(event.agentId, event.seq);
  const endedAt = delta.ended ? (events.findLast((e) => endsRun(e))?.at ?? null) : null;
  const { fence } = options;
  const runStatuses = allowedStatuses(options.runStatuses, fence?.runStatuses);
  const { rows } = await db.query<AppendOutcome>({
    name: 'flightdeck-append-events',
    text: `SELECT * FROM flightdeck_append_events(${Array.from({ length: 24 }, (_, i) => `$${i + 1}`).join(', ')})`,
    values: [
      runId,
      eventRecords(events),
      delta.status,
      endedAt,
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
      runStatuses,
      fence?.agentId ?? null,
      fence?.lastSeq ?? null,
      fence?.pausedModes ?? null,
      endingFromLog,
      CALL_LIFECYCLE_TYPES,
      OPENING_TYPES,
      options.seenSeq ?? null,
    ],
  });
  const outcome = rows[0];
  if (outcome?.outcome === 'appended') {
    return {
      lastSeq: outcome.last_seq!,
      missed: outcome.missed?.map((row) => eventFromRow({ ...row, run_id: runId })) ?? null,
    };
  }
  throw refusal(runId, events, options, runStatuses, outcome);
}

interface AppendOutcome {
  outcome:
    'appended' | 'not-found' | 'ended' | 'moved' | 'status' | 'paused' | 'fence' | 'call-ended';
  status: string | null;
  last_seq: number | null;
  detail: string | null;
  /** Rows of the events table as JSON, without the run id. */
  missed: Array<Omit<EventRow, 'run_id'>> | null;
}

/** The statuses both the append and its fence allow (null: any). */
function allowedStatuses(...lists: Array<readonly string[] | undefined>): readonly string[] | null {
  const given = lists.filter((l) => l !== undefined);
  if (given.length === 0) return null;
  return given.reduce((both, list) => both.filter((s) => list.includes(s)));
}

function refusal(
  runId: string,
  events: readonly RunEvent[],
  options: AppendOptions,
  runStatuses: readonly string[] | null,
  outcome: AppendOutcome | undefined,
): DomainError {
  const { status, last_seq: lastSeq, detail } = outcome ?? {};
  switch (outcome?.outcome) {
    case undefined:
    case 'not-found':
      return new DomainError('NOT_FOUND', `No run ${runId}`);
    case 'ended':
      return new DomainError(
        'RUN_NOT_ACTIVE',
        `Run ${runId} has ended (${status}); nothing more may be appended`,
      );
    case 'moved':
      return new DomainError(
        'STALE_STATE',
        `Run ${runId} has moved on (last event ${lastSeq}, expected ${options.expectRunSeq})`,
      );
    case 'status':
      return new DomainError(
        'STALE_STATE',
        `Run ${runId} is ${status}, not ${runStatuses?.join(' or ')}`,
      );
    case 'paused':
      return new DomainError('STALE_STATE', `Run ${runId} is paused (${detail ?? 'unknown mode'})`);
    case 'fence':
      return new DomainError(
        'STALE_STATE',
        `Agent ${options.fence?.agentId} of run ${runId} has moved on (last event ${detail ?? 'none'}, expected ${options.fence?.lastSeq})`,
      );
    case 'call-ended': {
      // "<call id> <type>": an event type has no space, a call id may.
      const at = (detail ?? '').lastIndexOf(' ');
      const callId = (detail ?? '').slice(0, at);
      const ended = (detail ?? '').slice(at + 1);
      const type = events.find((e) => callIdOf(e) === callId)?.type ?? 'an ending';
      return secondEnding(runId, callId, ended, type);
    }
    case 'appended':
      throw new Error('unreachable');
  }
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
