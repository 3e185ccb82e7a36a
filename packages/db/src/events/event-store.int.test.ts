import { randomUUID } from 'node:crypto';
import { DomainError, reduceEvents, type EventDraft, type RunEvent } from '@flightdeck/domain';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { getRunRecord, getRunSummary } from '../runs/run-repository';
import { createRun, Drafts } from '../test/fixtures';
import { createMigratedTestDatabase } from '../testing';
import { appendEvents, appendEventsWithMissed, readAllEvents, readEvents } from './event-store';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedTestDatabase('event_store');
  db = createDb({ databaseUrl: database.url, maxConnections: 8 });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

async function countEvents(runId: string): Promise<number> {
  const result = await db.pool.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM events WHERE run_id = $1',
    [runId],
  );
  return result.rows[0]?.count ?? -1;
}

/** A whole small run: lead delegates nothing, spends tokens over two turns, completes. */
function completedRunDrafts(
  d: Drafts,
  run: Awaited<ReturnType<typeof createRun>>,
  lead: string,
  helper: string,
): EventDraft[][] {
  return [
    [d.runStarted(run), d.agentSpawned(lead)],
    [
      d.turnStarted(lead, 1),
      ...d.llmCall(lead, 1, 'c1', { inputTokens: 100, outputTokens: 20 }, 150),
      d.turnFinished(lead, 1),
    ],
    [d.agentSpawned(helper, { agentId: lead, callId: 'c1' }, 1)],
    [
      d.turnStarted(lead, 2),
      ...d.llmCall(lead, 2, 'c2', { inputTokens: 300, outputTokens: 40 }, 410),
      d.turnFinished(lead, 2),
    ],
    [d.agentFinished(lead), d.runCompleted()],
  ];
}

describe('appendEvents', () => {
  it('numbers events 1, 2, 3 … across batches and returns them as stored', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    const first = await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    const second = await appendEvents(db, run.id, [d.turnStarted(lead, 1)]);

    expect([...first, ...second].map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(first[0]).toMatchObject({
      runId: run.id,
      seq: 1,
      version: 1,
      type: 'run.started',
      agentId: null,
    });
    expect(await readAllEvents(db, run.id)).toEqual([...first, ...second]);
  });

  it('stores `at` as UTC milliseconds, whatever offset the draft used', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const [event] = await appendEvents(db, run.id, [
      { ...d.runStarted(run), at: '2026-11-22T12:00:00.123456+02:00' },
    ]);
    expect(event?.at).toBe('2026-11-22T10:00:00.123Z');
    expect((await readEvents(db, run.id))[0]?.at).toBe('2026-11-22T10:00:00.123Z');
  });

  it('keeps seqs gapless and batches whole under 20 concurrent appenders', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        appendEvents(
          db,
          run.id,
          d.llmCall(lead, 1, `call-${i}`, { inputTokens: 10, outputTokens: 1 }, 5),
        ),
      ),
    );

    const seqs = batches.flatMap((batch) => batch.map((e) => e.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 3));
    for (const batch of batches) expect(batch[1]?.seq).toBe((batch[0]?.seq ?? 0) + 1);
    const stored = await readAllEvents(db, run.id);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    const record = await getRunRecord(db, run.id);
    expect(record?.lastSeq).toBe(42);
    const summary = await getRunSummary(db, run.id);
    expect(summary).toMatchObject({ inputTokens: 200, outputTokens: 20, costMicroUsd: 100 });
  });

  it('returns what others appended since the seen seq, as stored, in both append paths', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    const helper = randomUUID();
    const start = await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    // Others' events after seq 1 (this caller saw the run up to seq 1).
    const others = await appendEvents(db, run.id, [
      d.turnStarted(lead, 1),
      ...d.llmCall(lead, 1, 'm1', { inputTokens: 7, outputTokens: 2 }, 3),
    ]);
    const plain = await appendEventsWithMissed(db, run.id, [d.turnFinished(lead, 1)], {
      seenSeq: 1,
    });
    expect(plain.missed).toEqual([start[1], ...others]);
    expect(plain.events.map((e) => e.seq)).toEqual([6]);
    // Nothing missed; the transaction path (a spawn) too.
    const spawning = await appendEventsWithMissed(
      db,
      run.id,
      [d.agentSpawned(helper, { agentId: lead, callId: 'm1' }, 1)],
      { seenSeq: 6 },
    );
    expect(spawning.missed).toEqual([]);
    // The caller's state folded with what it missed and its own events is the log's state.
    const seen = reduceEvents(start.slice(0, 1));
    const caughtUp = reduceEvents(plain.events, reduceEvents(plain.missed!, seen));
    expect(caughtUp).toEqual(reduceEvents((await readAllEvents(db, run.id)).slice(0, 6)));
    // Without a seen seq, or further behind than 200 events, nothing comes back: the caller reads.
    expect((await appendEventsWithMissed(db, run.id, [d.turnStarted(lead, 2)])).missed).toBeNull();
    for (let i = 0; i < 3; i++)
      await appendEvents(
        db,
        run.id,
        Array.from({ length: 70 }, (_, j) =>
          d.llmCall(lead, 2, `x${i}-${j}`, { inputTokens: 1, outputTokens: 1 }, 1),
        ).flat(),
      );
    const behind = await appendEventsWithMissed(db, run.id, [d.turnFinished(lead, 2)], {
      seenSeq: 6,
    });
    expect(behind.missed).toBeNull();
    expect(behind.events[0]!.seq).toBe(429);
  });

  it('keeps seqs gapless and batches whole when each batch is one statement (nothing read under the lock)', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const agents = Array.from({ length: 20 }, () => randomUUID());
    await appendEvents(db, run.id, [d.runStarted(run), ...agents.map((a) => d.agentSpawned(a))]);
    const batches = await Promise.all(
      agents.map((agent, i) =>
        appendEvents(db, run.id, [d.turnStarted(agent, i + 1), d.turnFinished(agent, i + 1)]),
      ),
    );

    const seqs = batches.flatMap((batch) => batch.map((e) => e.seq)).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 22));
    for (const batch of batches) expect(batch[1]?.seq).toBe((batch[0]?.seq ?? 0) + 1);
    const stored = await readAllEvents(db, run.id);
    expect(stored).toEqual([
      ...stored.slice(0, 21),
      ...batches.flat().sort((a, b) => a.seq - b.seq),
    ]);
    expect((await getRunRecord(db, run.id))?.lastSeq).toBe(61);
    expect((await getRunSummary(db, run.id))?.turns).toBe(20);
    // Each agent's last seq moved with its batch: a fence on it holds.
    const [first] = batches;
    await expect(
      appendEvents(db, run.id, [d.turnStarted(agents[0]!, 99)], {
        fence: { agentId: agents[0]!, lastSeq: first![1]!.seq },
      }),
    ).resolves.toHaveLength(1);
  });

  it('refuses a one-statement append to an ended run, a moved run or a run in another status, and writes nothing', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1)], { expectRunSeq: 1 }),
    ).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: expect.stringContaining('expected 1') as string,
    });
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1)], { runStatuses: ['paused'] }),
    ).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: expect.stringContaining('not paused') as string,
    });
    expect(await countEvents(run.id)).toBe(2);
    await appendEvents(db, run.id, [d.turnStarted(lead, 1)], {
      expectRunSeq: 2,
      runStatuses: ['running'],
    });
    await appendEvents(db, run.id, [d.runKilled()]);
    const before = await getRunSummary(db, run.id);
    await expect(appendEvents(db, run.id, [d.turnStarted(lead, 2)])).rejects.toMatchObject({
      code: 'RUN_NOT_ACTIVE',
    });
    await expect(appendEvents(db, randomUUID(), [d.turnStarted(lead, 2)])).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await countEvents(run.id)).toBe(4);
    expect(await getRunSummary(db, run.id)).toEqual(before);
  });

  it('writes exactly one of many appends fenced on the same agent seq, refusing the others', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    const [, spawned] = await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    const attempts = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        appendEvents(db, run.id, [d.turnStarted(lead, i + 1)], {
          fence: { agentId: lead, lastSeq: spawned!.seq },
        }),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    for (const refused of attempts.filter((a) => a.status === 'rejected'))
      expect(refused.reason).toMatchObject({
        code: 'STALE_STATE',
        message: `Agent ${lead} of run ${run.id} has moved on (last event 3, expected 2)`,
      });
    expect(await countEvents(run.id)).toBe(3);
  });

  it('refuses a fenced append for an agent the run does not have, or in a status or pause the fence does not allow', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1)], {
        fence: { agentId: randomUUID(), lastSeq: 2 },
      }),
    ).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: expect.stringContaining('last event none') as string,
    });
    const paused: EventDraft = {
      ...d.turnStarted(lead, 1),
      agentId: null,
      type: 'run.paused',
      payload: { by: { kind: 'user', id: 'ada' }, reason: 'look', mode: 'abort-turn' },
    };
    await appendEvents(db, run.id, [paused]);
    const fence = { agentId: lead, lastSeq: 2 };
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1)], {
        fence: { ...fence, runStatuses: ['running'] },
      }),
    ).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: `Run ${run.id} is paused, not running`,
    });
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1)], {
        fence: { ...fence, runStatuses: ['running', 'paused'], pausedModes: ['finish-turn'] },
      }),
    ).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: `Run ${run.id} is paused (abort-turn)`,
    });
    expect(await countEvents(run.id)).toBe(3);
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1)], {
        fence: { ...fence, runStatuses: ['running', 'paused'], pausedModes: ['abort-turn'] },
      }),
    ).resolves.toHaveLength(1);
  });

  it('keeps the projection columns equal to what the reducer makes of the events', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    const helper = randomUUID();
    for (const batch of completedRunDrafts(d, run, lead, helper))
      await appendEvents(db, run.id, batch);

    const state = reduceEvents(await readAllEvents(db, run.id));
    const summary = await getRunSummary(db, run.id);
    expect(summary).toEqual({
      id: run.id,
      teamId: run.teamId,
      teamName: 'research',
      goal: run.goal,
      status: state.status,
      lastSeq: state.lastSeq,
      agentCount: state.agentOrder.length,
      turns: state.totals.turns,
      inputTokens: state.totals.inputTokens,
      outputTokens: state.totals.outputTokens,
      costMicroUsd: state.totals.costMicroUsd,
      openBreakers: [],
      createdAt: expect.any(String) as string,
      endedAt: state.endedAt,
      origin: 'spawn',
      originRunId: null,
      originSeq: null,
    });
    expect(summary).toMatchObject({
      status: 'completed',
      agentCount: 2,
      turns: 2,
      inputTokens: 400,
      outputTokens: 60,
      costMicroUsd: 560,
    });
  });

  it('creates an agents row for each spawned agent', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    const helper = randomUUID();
    const [, spawned] = await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    await appendEvents(db, run.id, [d.agentSpawned(helper, { agentId: lead, callId: 'c1' }, 1)]);

    const agents = await db.pool.query(
      'SELECT id, parent_id, name, role, model, depth, created_at FROM agents WHERE run_id = $1 ORDER BY depth',
      [run.id],
    );
    expect(agents.rows).toEqual([
      {
        id: lead,
        parent_id: null,
        name: 'lead',
        role: 'Plans the work',
        model: 'simulated/gpt-4o-mini',
        depth: 0,
        created_at: new Date(spawned?.at ?? ''),
      },
      {
        id: helper,
        parent_id: lead,
        name: 'researcher',
        role: 'Reads files',
        model: 'simulated/gpt-4o-mini',
        depth: 1,
        created_at: expect.any(Date) as Date,
      },
    ]);
  });

  it('refuses to append after the run ended, and writes nothing', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    await appendEvents(db, run.id, [d.runKilled()]);
    const before = await getRunSummary(db, run.id);

    const refused = appendEvents(db, run.id, [
      d.turnStarted(lead, 1),
      d.agentSpawned(randomUUID()),
    ]);
    await expect(refused).rejects.toThrow(DomainError);
    await expect(refused).rejects.toMatchObject({ code: 'RUN_NOT_ACTIVE' });
    expect(await countEvents(run.id)).toBe(3);
    expect(await getRunSummary(db, run.id)).toEqual(before);
  });

  it('appends audit facts after the end when allowed, without reopening or re-ending the run', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    await appendEvents(db, run.id, [d.runStarted(run), d.runCompleted()]);
    const ended = await getRunSummary(db, run.id);
    const late = await appendEvents(db, run.id, [d.runKilled()], { allowAfterEnd: true });
    expect(late.map((e) => e.seq)).toEqual([3]);
    expect(await getRunSummary(db, run.id)).toEqual({ ...ended, lastSeq: 3 });
  });

  it('rejects a batch with events after its own terminal event', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    await expect(
      appendEvents(db, run.id, [d.runStarted(run), d.runCompleted(), d.runKilled()]),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await countEvents(run.id)).toBe(0);
  });

  it('rejects an event that does not match the schema, naming it, and writes nothing', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const bad: EventDraft = { ...d.turnStarted(randomUUID(), 1), traceId: 'not-a-trace' };
    await expect(appendEvents(db, run.id, [d.runStarted(run), bad])).rejects.toThrow(
      /Event 1 \(agent.turn.started\) is invalid: traceId/,
    );
    expect(await countEvents(run.id)).toBe(0);
  });

  it('reports a payload PostgreSQL cannot store (NUL character) as INVALID_INPUT', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const failed: EventDraft = {
      ...d.runCompleted(),
      type: 'run.failed',
      payload: { error: 'bad\u0000byte' },
    };
    await expect(appendEvents(db, run.id, [d.runStarted(run), failed])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('cannot store') as string,
    });
    expect(await countEvents(run.id)).toBe(0);
  });

  it('says NOT_FOUND for an unknown run', async () => {
    const d = new Drafts();
    await expect(appendEvents(db, randomUUID(), [d.runCompleted()])).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(appendEvents(db, 'not-a-uuid', [d.runCompleted()])).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('reports a duplicate agent as CONFLICT and rolls the batch back', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    await expect(
      appendEvents(db, run.id, [d.turnStarted(lead, 1), d.agentSpawned(lead)]),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect(await countEvents(run.id)).toBe(2);
    expect((await getRunRecord(db, run.id))?.lastSeq).toBe(2);
  });
});

describe('readEvents', () => {
  it('pages by seq and parses each row with the event schema', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    const all: RunEvent[] = [];
    for (const batch of completedRunDrafts(d, run, lead, randomUUID()))
      all.push(...(await appendEvents(db, run.id, batch)));

    expect(await readEvents(db, run.id, { afterSeq: 0, limit: 3 })).toEqual(all.slice(0, 3));
    expect(await readEvents(db, run.id, { afterSeq: 3, limit: 3 })).toEqual(all.slice(3, 6));
    expect(await readEvents(db, run.id, { afterSeq: all.length, limit: 3 })).toEqual([]);
    expect(await readAllEvents(db, run.id, 5)).toEqual(all.slice(5));
    await expect(readEvents(db, run.id, { afterSeq: -1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(readEvents(db, run.id, { limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('names the run and seq of a stored row that no longer parses', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    await appendEvents(db, run.id, [d.runStarted(run), d.runCompleted()]);
    await db.pool.query(
      `UPDATE events SET payload = '{"result": 7}' WHERE run_id = $1 AND seq = 2`,
      [run.id],
    );
    await expect(readAllEvents(db, run.id)).rejects.toThrow(
      new RegExp(`Stored event 2 of run ${run.id} does not match the event schema: payload.result`),
    );
  });
});
