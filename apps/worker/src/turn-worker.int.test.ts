import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readAllEvents } from '@flightdeck/db';
import { reduceEvents, type RunEvent } from '@flightdeck/domain';
import {
  type Engine,
  getRun,
  JOBS,
  killRun,
  QUEUES,
  reconcileRuns,
  saveTeam,
  spawnRun,
} from '@flightdeck/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSource, type Harness, operator, startHarness, waitFor } from './test/harness';
import type { TurnWorker } from './turn-worker';

let harness: Harness;
let engine: Engine;
let workers: TurnWorker[];

function assertGapless(events: RunEvent[]): void {
  expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
}

beforeAll(async () => {
  harness = await startHarness('worker');
  ({ engine, workers } = harness);
  await saveTeam(engine, { source: await demoSource(5, 'fast-demo') });
  await saveTeam(engine, { source: await demoSource(400, 'slow-demo') });
}, 60_000);

afterAll(() => harness.close());

describe('agent turns on two workers', () => {
  it('run the demo team to completion with a gapless, ordered log', async () => {
    const { runId } = await spawnRun(engine, {
      teamSlug: 'fast-demo',
      goal: 'Compare heat pump vendors',
      by: operator,
      seed: 11,
    });
    const summary = await waitFor('the run to end', async () => {
      const run = await getRun(engine, { runId });
      return run && run.status !== 'running' && run.status !== 'pending' ? run : null;
    });
    expect(summary.status).toBe('completed');

    const events = await readAllEvents(engine.db, runId);
    assertGapless(events);
    const state = reduceEvents(events);
    expect(state.status).toBe('completed');
    expect(Object.values(state.agents).every((a) => a.status === 'done')).toBe(true);
    expect(new Set(Object.values(state.agents).map((a) => a.name))).toEqual(
      new Set([
        'lead',
        'researcher',
        'writer',
        ...(state.agentOrder.length > 3 ? ['fact-checker'] : []),
      ]),
    );
    // The summary row is the same projection as the reducer.
    expect(summary).toMatchObject({
      lastSeq: events.length,
      turns: state.totals.turns,
      inputTokens: state.totals.inputTokens,
      costMicroUsd: state.totals.costMicroUsd,
      agentCount: state.agentOrder.length,
    });
    expect(state.totals.costMicroUsd).toBeGreaterThan(0);
    const report = await readFile(
      path.join(engine.config.workspaceRoot, runId, 'report.md'),
      'utf8',
    );
    expect(report).toContain('Finding 1');
  });

  it('never run the same turn twice, across many concurrent runs on both workers', async () => {
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        spawnRun(engine, { teamSlug: 'fast-demo', goal: `Goal ${i}`, by: operator, seed: i }),
      ),
    );
    for (const { runId } of runs) {
      await waitFor(
        `run ${runId} to end`,
        async () => (await getRun(engine, { runId }))?.status === 'completed',
      );
    }
    for (const { runId } of runs) {
      const events = await readAllEvents(engine.db, runId);
      assertGapless(events);
      const turnStarts = events
        .filter((e) => e.type === 'agent.turn.started')
        .map((e) => `${e.agentId}:${e.type === 'agent.turn.started' ? e.payload.turn : 0}`);
      expect(new Set(turnStarts).size).toBe(turnStarts.length);
      const toolDispatches = events
        .filter((e) => e.type === 'tool.call.dispatched')
        .map((e) => (e.type === 'tool.call.dispatched' ? e.payload.callId : ''));
      expect(new Set(toolDispatches).size).toBe(toolDispatches.length);
    }
  }, 60_000);

  it('stop dispatching when a run is killed, abort the in-flight turn, and remove queued turns', async () => {
    const { runId } = await spawnRun(engine, {
      teamSlug: 'slow-demo',
      goal: 'A long survey',
      by: operator,
      seed: 3,
    });
    await waitFor('subagents to be working', async () => {
      const state = reduceEvents(await readAllEvents(engine.db, runId));
      return (
        state.agentOrder.length >= 3 &&
        Object.values(state.agents).some((a) => a.status === 'running')
      );
    });
    expect(await killRun(engine, { runId, by: operator, reason: 'test kill' })).toEqual({
      status: 'killed',
    });
    // The in-flight turns are aborted (their model calls last 400 ms ± jitter, and would append on completion).
    await waitFor(
      'every worker to drop the run',
      () => Promise.resolve(workers.every((w) => w.activeTurns() === 0)),
      5000,
    );

    await new Promise((r) => setTimeout(r, 800)); // longer than one simulated model call
    const events = await readAllEvents(engine.db, runId);
    assertGapless(events);
    expect(events.at(-1)?.type).toBe('run.killed');
    const state = reduceEvents(events);
    expect(state.status).toBe('killed');
    expect(Object.values(state.agents).every((a) => ['killed', 'done'].includes(a.status))).toBe(
      true,
    );
    expect((await getRun(engine, { runId }))?.status).toBe('killed');

    const queued = await engine.queues[QUEUES.turns].getJobs(['waiting', 'delayed', 'prioritized']);
    expect(queued.filter((j) => String(j.id).includes(runId))).toEqual([]);
    expect(await killRun(engine, { runId, by: operator, reason: 'again' })).toEqual({
      status: 'already-ended',
    });
  }, 30_000);

  it('fail a malformed or unknown job on pickup, without retries and without writing', async () => {
    const queue = engine.queues[QUEUES.turns];
    const bad = await queue.add(
      'agent.turn',
      { runId: 'not-a-uuid', turn: -1 },
      { jobId: 'bad-payload', attempts: 3 },
    );
    const unknown = await queue.add(
      'agent.explode',
      { any: 'thing' },
      { jobId: 'bad-name', attempts: 3 },
    );
    for (const job of [bad, unknown]) {
      const failed = await waitFor('the job to fail', async () => {
        const current = await queue.getJob(String(job.id));
        return current && (await current.getState()) === 'failed' ? current : null;
      });
      expect(failed.attemptsStarted).toBe(1); // attempts: 3 configured, none retried
    }
    expect((await queue.getJob('bad-payload'))?.failedReason).toMatch(
      /invalid payload for agent.turn: runId/,
    );
    expect((await queue.getJob('bad-name'))?.failedReason).toMatch(
      /unknown job type "agent.explode"/,
    );
    expect(JOBS['agent.turn'].jobId({ runId: 'r', agentId: 'a', turn: 2 })).toBe('turn_r_a_2');
  });

  it('cap how many agents of a run work at once', async () => {
    const source = (await demoSource(30, 'capped-demo')).replace(
      'maxConcurrentAgents: 8',
      'maxConcurrentAgents: 1',
    );
    await saveTeam(engine, { source });
    const { runId } = await spawnRun(engine, {
      teamSlug: 'capped-demo',
      goal: 'One at a time',
      by: operator,
      seed: 5,
    });
    await waitFor(
      'the run to complete',
      async () => (await getRun(engine, { runId }))?.status === 'completed',
      60_000,
    );
    const events = await readAllEvents(engine.db, runId);
    let working = 0;
    let most = 0;
    for (const event of events) {
      if (event.type === 'agent.turn.started') working += 1;
      if (
        event.type === 'agent.turn.finished' ||
        event.type === 'agent.finished' ||
        event.type === 'agent.failed'
      ) {
        const state = reduceEvents(events.slice(0, event.seq - 1));
        if (state.agents[event.agentId ?? '']?.status === 'running') working -= 1;
      }
      most = Math.max(most, working);
    }
    expect(most).toBe(1);
  }, 60_000);

  it('rebuild lost turn jobs from PostgreSQL and finish the run', async () => {
    for (const w of workers) await w.worker.pause();
    const { runId } = await spawnRun(engine, {
      teamSlug: 'fast-demo',
      goal: 'Survive a Redis flush',
      by: operator,
      seed: 9,
    });
    await engine.queues[QUEUES.turns].obliterate({ force: true }); // Redis lost every job
    expect(await engine.queues[QUEUES.turns].count()).toBe(0);
    const result = await reconcileRuns(engine);
    expect(result.requeued).toBeGreaterThanOrEqual(1);
    for (const w of workers) await w.worker.resume();
    await waitFor(
      'the run to complete',
      async () => (await getRun(engine, { runId }))?.status === 'completed',
    );
    assertGapless(await readAllEvents(engine.db, runId));
  }, 30_000);
});
