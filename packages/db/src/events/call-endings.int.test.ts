import { randomUUID } from 'node:crypto';
import { DomainError, reduceEvents } from '@flightdeck/domain';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from '../client';
import { createRun, Drafts } from '../test/fixtures';
import { createMigratedTestDatabase } from '../testing';
import { appendEvents, readAllEvents } from './event-store';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedTestDatabase('call_endings');
  db = createDb({ databaseUrl: database.url, maxConnections: 4 });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

describe('a call ends once', () => {
  it('refuses a second ending of a call (two executions of one turn), writing nothing', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    const [started, finished] = d.llmCall(lead, 1, 'c1', { inputTokens: 1, outputTokens: 1 }, 1);
    await appendEvents(db, run.id, [d.turnStarted(lead, 1), started!]);
    await appendEvents(db, run.id, [finished!]);

    // The other execution's result for the same call, and its failure: both refused.
    const second = appendEvents(db, run.id, [finished!]);
    await expect(second).rejects.toBeInstanceOf(DomainError);
    await expect(second).rejects.toMatchObject({ code: 'STALE_STATE' });
    const failed = {
      ...finished!,
      type: 'llm.call.failed',
      payload: { callId: 'c1', error: 'x', retryable: true },
    };
    await expect(appendEvents(db, run.id, [failed as never])).rejects.toMatchObject({
      code: 'STALE_STATE',
    });

    const events = await readAllEvents(db, run.id);
    expect(events.map((e) => e.type)).toEqual([
      'run.started',
      'agent.spawned',
      'agent.turn.started',
      'llm.call.started',
      'llm.call.finished',
    ]);
    expect(() => reduceEvents(events)).not.toThrow();
  });

  it('refuses a batch that ends a call twice, and an ending in a batch that also spawns an agent, naming the call', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    const [started, finished] = d.llmCall(lead, 1, 'c1', { inputTokens: 1, outputTokens: 1 }, 1);
    await expect(appendEvents(db, run.id, [started!, finished!, finished!])).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: `Call c1 of run ${run.id} has already ended (llm.call.finished); llm.call.finished is not recorded`,
    });
    await appendEvents(db, run.id, [started!, finished!]);
    // With a spawned agent the append runs in a transaction: the same check, nothing written.
    await expect(
      appendEvents(db, run.id, [
        finished!,
        d.agentSpawned(randomUUID(), { agentId: lead, callId: 'c2' }, 1),
      ]),
    ).rejects.toMatchObject({
      code: 'STALE_STATE',
      message: `Call c1 of run ${run.id} has already ended (llm.call.finished); llm.call.finished is not recorded`,
    });
    expect((await readAllEvents(db, run.id)).map((e) => e.type)).toEqual([
      'run.started',
      'agent.spawned',
      'llm.call.started',
      'llm.call.finished',
    ]);
  });

  it('lets a call that was started again (a retry after a failure) end again', async () => {
    const run = await createRun(db);
    const d = new Drafts();
    const lead = randomUUID();
    await appendEvents(db, run.id, [d.runStarted(run), d.agentSpawned(lead)]);
    const [started, finished] = d.llmCall(lead, 1, 'c1', { inputTokens: 1, outputTokens: 1 }, 1);
    const failed = {
      ...finished!,
      type: 'llm.call.failed',
      payload: { callId: 'c1', error: 'overloaded', retryable: true },
    };
    await appendEvents(db, run.id, [d.turnStarted(lead, 1), started!, failed as never]);
    await appendEvents(db, run.id, [started!]);
    await appendEvents(db, run.id, [finished!]);
    const events = await readAllEvents(db, run.id);
    expect(() => reduceEvents(events)).not.toThrow();
    expect(events.at(-1)?.type).toBe('llm.call.finished');
  });
});
