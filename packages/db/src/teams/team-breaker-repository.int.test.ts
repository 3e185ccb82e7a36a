import { randomUUID } from 'node:crypto';
import { DomainError, type EventDraft, newSpanId } from '@flightdeck/domain';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAuditEntries } from '../audit/audit-store';
import { createDb, type Db } from '../client';
import { appendEvents } from '../events/event-store';
import { getRunSummary } from '../runs/run-repository';
import { createRun, Drafts } from '../test/fixtures';
import { createMigratedTestDatabase } from '../testing';
import { getTeamBreakerDefaults, saveTeamBreakerDefaults } from './team-breaker-repository';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedTestDatabase('breakers');
  db = createDb({ databaseUrl: database.url, maxConnections: 8 });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

const ada = { kind: 'user', id: 'ada' } as const;

function breakerDraft(
  type: 'breaker.opened' | 'breaker.closed',
  breaker: string,
  traceId: string,
): EventDraft {
  const envelope = {
    at: new Date().toISOString(),
    agentId: null,
    traceId,
    spanId: newSpanId(),
    parentSpanId: null,
  };
  const kind = breaker.startsWith('provider:') ? 'provider' : 'cycle';
  return type === 'breaker.opened'
    ? {
        ...envelope,
        type,
        payload: {
          breaker,
          kind,
          reason: 'looping',
          evidence: [],
          agents: [],
          value: 3,
          threshold: 3,
          retryAt: null,
        },
      }
    : { ...envelope, type, payload: { breaker, kind, by: ada, reason: 'checked' } };
}

describe('open breakers on the run summary', () => {
  it('follows the breakers each batch opens and closes, and refuses a whole-run decision on a moved log', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    expect((await getRunSummary(db, run.id))?.openBreakers).toEqual([]);

    await appendEvents(db, run.id, [
      breakerDraft('breaker.opened', 'cycle', d.traceId),
      breakerDraft('breaker.opened', 'provider:openai', d.traceId),
    ]);
    expect((await getRunSummary(db, run.id))?.openBreakers).toEqual(['cycle', 'provider:openai']);

    // Opening an open one again (two workers saw it) does not count it twice.
    await appendEvents(db, run.id, [breakerDraft('breaker.opened', 'cycle', d.traceId)]);
    expect((await getRunSummary(db, run.id))?.openBreakers).toEqual(['cycle', 'provider:openai']);

    await appendEvents(db, run.id, [breakerDraft('breaker.closed', 'cycle', d.traceId)]);
    expect((await getRunSummary(db, run.id))?.openBreakers).toEqual(['provider:openai']);

    // A batch that closes then reopens leaves it open.
    await appendEvents(db, run.id, [
      breakerDraft('breaker.closed', 'provider:openai', d.traceId),
      breakerDraft('breaker.opened', 'provider:openai', d.traceId),
    ]);
    expect((await getRunSummary(db, run.id))?.openBreakers).toEqual(['provider:openai']);

    // The run-seq fence: a decision made at seq 6 is refused once anything else was appended.
    const summary = await getRunSummary(db, run.id);
    await appendEvents(db, run.id, [d.turnStarted(lead, 1)]);
    const stale = appendEvents(db, run.id, [breakerDraft('breaker.opened', 'cycle', d.traceId)], {
      expectRunSeq: summary!.lastSeq,
    });
    await expect(stale).rejects.toMatchObject({ code: 'STALE_STATE' });
    await expect(stale).rejects.toBeInstanceOf(DomainError);
    const fresh = await appendEvents(
      db,
      run.id,
      [breakerDraft('breaker.opened', 'cycle', d.traceId)],
      { expectRunSeq: summary!.lastSeq + 1 },
    );
    expect(fresh[0]?.seq).toBe(summary!.lastSeq + 2);
  });
});

describe('team breaker defaults', () => {
  it('starts empty, keeps versions, validates, and audits each change in its transaction', async () => {
    const run = await createRun(db);
    const teamId = run.teamId;
    expect(await getTeamBreakerDefaults(db, teamId)).toEqual({
      teamId,
      version: 0,
      thresholds: {},
      createdBy: null,
      createdAt: null,
    });
    const audit = { actor: ada, action: 'breaker.changed' as const, target: { teamId } };
    expect(
      await saveTeamBreakerDefaults(db, {
        teamId,
        thresholds: { cycle: { repeats: 4 } },
        createdBy: 'user:ada',
        audit,
      }),
    ).toEqual({ version: 1 });
    expect(
      await saveTeamBreakerDefaults(db, {
        teamId,
        thresholds: { noProgress: { enabled: false } },
        createdBy: 'user:ada',
        audit,
      }),
    ).toEqual({ version: 2 });
    expect(await getTeamBreakerDefaults(db, teamId)).toMatchObject({
      version: 2,
      thresholds: { noProgress: { enabled: false } },
      createdBy: 'user:ada',
    });
    const entries = await listAuditEntries(db, { action: 'breaker.changed', limit: 10 });
    expect(entries.entries.map((e) => e.detail)).toEqual([
      { version: 2, thresholds: { noProgress: { enabled: false } } },
      { version: 1, thresholds: { cycle: { repeats: 4 } } },
    ]);

    await expect(
      saveTeamBreakerDefaults(db, {
        teamId,
        thresholds: { cycle: { repeats: 0 } },
        createdBy: 'user:ada',
        audit,
      }),
    ).rejects.toThrow();
    expect((await getTeamBreakerDefaults(db, teamId)).version).toBe(2);
    await expect(getTeamBreakerDefaults(db, randomUUID())).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
