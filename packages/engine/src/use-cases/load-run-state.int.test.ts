import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendEvents, readAllEvents, readRunSnapshot, saveRunSnapshot } from '@flightdeck/db';
import { createRun, Drafts } from '@flightdeck/db/test/fixtures';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { type EventDraft, reduceEvents, RUN_STATE_FORMAT, type RunState } from '@flightdeck/domain';
import {
  deleteRedisKeys,
  redisUrl,
  type TestDatabase,
  uniqueRedisPrefix,
} from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../engine';
import {
  keepSnapshotIfDue,
  loadRunState,
  loadRunStateWithTail,
  SNAPSHOT_EVERY_EVENTS,
} from './load-run-state';
import { exportRun, importRun } from './run-export';

let database: TestDatabase;
let engine: Engine;
let prefix: string;
let dir: string;

beforeAll(async () => {
  database = await createMigratedTestDatabase('engine_snapshots');
  prefix = uniqueRedisPrefix('engine_snapshots');
  dir = await mkdtemp(path.join(tmpdir(), 'fd-engine-snapshots-'));
  engine = await createEngine({
    databaseUrl: database.url,
    redisUrl: redisUrl(),
    queuePrefix: prefix,
    workspaceRoot: dir,
  });
});
afterAll(async () => {
  await engine?.close();
  await database?.drop();
  if (prefix) await deleteRedisKeys(prefix);
  await rm(dir, { recursive: true, force: true });
});

/** A run of a lead working `turns` turns (4 events each), appended in batches as workers would. */
async function workingRun(turns: number) {
  const run = await createRun(engine.db);
  const drafts = new Drafts();
  const lead = randomUUID();
  await appendEvents(engine.db, run.id, [drafts.runStarted(run), drafts.agentSpawned(lead)]);
  let turn = 0;
  const work = async (count: number) => {
    const batch: EventDraft[] = [];
    for (let i = 0; i < count; i++) {
      turn += 1;
      batch.push(
        drafts.turnStarted(lead, turn),
        ...drafts.llmCall(lead, turn, `m${turn}`, { inputTokens: 10, outputTokens: 5 }, 7),
        drafts.turnFinished(lead, turn),
      );
    }
    await appendEvents(engine.db, run.id, batch);
  };
  await work(turns);
  return { runId: run.id, work, lead, drafts };
}

const wholeLog = async (runId: string) => reduceEvents(await readAllEvents(engine.db, runId));

describe('a run’s state from its snapshot and the events after it', () => {
  it('equals the whole log’s, and a snapshot far behind is brought up to date', async () => {
    const { runId, work } = await workingRun(600); // 2 + 2,400 events
    expect(await readRunSnapshot(engine.db, runId, RUN_STATE_FORMAT)).toBeNull();
    const first = await loadRunState(engine, runId);
    expect(first).toEqual(await wholeLog(runId));
    expect(first.lastSeq).toBe(2_402);
    // More than SNAPSHOT_EVERY_EVENTS were reduced: the state is kept.
    expect((await readRunSnapshot(engine.db, runId, RUN_STATE_FORMAT))?.seq).toBe(2_402);

    await work(10);
    const later = await loadRunStateWithTail(engine, runId, 100);
    expect(later.state).toEqual(await wholeLog(runId));
    // Its newest 100 events: 40 after the snapshot, 60 read from before it.
    expect(later.tail.map((e) => e.seq)).toEqual(
      Array.from({ length: 100 }, (_, i) => 2_442 - 99 + i),
    );
    // 40 events behind is not worth a new snapshot.
    expect((await readRunSnapshot(engine.db, runId, RUN_STATE_FORMAT))?.seq).toBe(2_402);
  });

  it('reads the snapshot, not the log before it', async () => {
    const { runId } = await workingRun(10);
    const truth = await wholeLog(runId);
    // A planted snapshot that differs from the log shows through: the log before it is not read.
    const planted: RunState = { ...truth, goal: 'as the snapshot says' };
    await saveRunSnapshot(engine.db, {
      runId,
      seq: truth.lastSeq,
      format: RUN_STATE_FORMAT,
      state: planted,
    });
    expect((await loadRunState(engine, runId)).goal).toBe('as the snapshot says');
  });

  it('ignores a snapshot of another format or one that is not a state of this run', async () => {
    const { runId } = await workingRun(10);
    const truth = await wholeLog(runId);
    await saveRunSnapshot(engine.db, {
      runId,
      seq: truth.lastSeq,
      format: RUN_STATE_FORMAT + 1,
      state: { ...truth, goal: 'a future format' },
    });
    expect(await loadRunState(engine, runId)).toEqual(truth);
    await saveRunSnapshot(engine.db, {
      runId,
      seq: truth.lastSeq,
      format: RUN_STATE_FORMAT,
      state: { ...truth, runId: randomUUID(), goal: 'another run' },
    });
    expect(await loadRunState(engine, runId)).toEqual(truth);
    await saveRunSnapshot(engine.db, {
      runId,
      seq: truth.lastSeq,
      format: RUN_STATE_FORMAT,
      state: { ...truth, lastSeq: 3 },
    });
    expect(await loadRunState(engine, runId)).toEqual(truth);
  });

  it('keeps a new snapshot when an append crosses a multiple of SNAPSHOT_EVERY_EVENTS, and only then', async () => {
    const { runId } = await workingRun(10);
    const state = await wholeLog(runId); // 42 events
    const at = (lastSeq: number): RunState => ({ ...state, lastSeq });
    const savedSeq = async () => (await readRunSnapshot(engine.db, runId, RUN_STATE_FORMAT))?.seq;
    const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

    keepSnapshotIfDue(engine, at(SNAPSHOT_EVERY_EVENTS - 1), SNAPSHOT_EVERY_EVENTS - 10);
    await settle();
    expect(await savedSeq()).toBeUndefined();
    keepSnapshotIfDue(engine, at(SNAPSHOT_EVERY_EVENTS + 3), SNAPSHOT_EVERY_EVENTS - 1);
    await settle();
    expect(await savedSeq()).toBe(SNAPSHOT_EVERY_EVENTS + 3);
    // An older state never replaces a newer snapshot.
    keepSnapshotIfDue(engine, at(SNAPSHOT_EVERY_EVENTS), SNAPSHOT_EVERY_EVENTS - 1);
    await settle();
    expect(await savedSeq()).toBe(SNAPSHOT_EVERY_EVENTS + 3);
  });

  it('is kept when a long run is imported, so it opens on its state', async () => {
    const { runId, lead, drafts } = await workingRun(600);
    await appendEvents(engine.db, runId, [drafts.agentFinished(lead), drafts.runCompleted()]);
    const { lines } = await exportRun(engine, { runId });
    const imported = await importRun(engine, {
      jsonl: lines.join('\n'),
      by: { kind: 'user', id: 'ada' },
    });
    const snapshot = await readRunSnapshot(engine.db, imported.runId, RUN_STATE_FORMAT);
    expect(snapshot?.seq).toBe(2_404);
    expect(snapshot?.state).toEqual(
      JSON.parse(JSON.stringify(await wholeLog(imported.runId))) as unknown,
    );
  });

  it('answers an empty state for a run with no events', async () => {
    const run = await createRun(engine.db);
    const view = await loadRunStateWithTail(engine, run.id, 50);
    expect(view.state.runId).toBeNull();
    expect(view.tail).toEqual([]);
  });
});
