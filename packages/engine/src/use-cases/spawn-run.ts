import { randomInt, randomUUID } from 'node:crypto';
import { getTeam, insertRun } from '@flightdeck/db';
import {
  type Actor,
  DomainError,
  hasLimits,
  newSpanId,
  newTraceId,
  toBudgetLimits,
} from '@flightdeck/domain';
import type { Engine } from '../engine';
import { enqueue } from '../jobs/queues';
import { recordEvents } from '../record-events';
import { resolveSpawnThresholds } from './breakers/thresholds';

export const MAX_GOAL_LENGTH = 4000;

export interface SpawnRunInput {
  teamSlug: string;
  goal: string;
  by: Actor;
  /** Fixes the simulated model's choices (tests, replays); random otherwise. */
  seed?: number;
}

/** Start a run of a team's current manifest: record it, spawn the lead, queue its first turn. */
export async function spawnRun(engine: Engine, input: SpawnRunInput): Promise<{ runId: string }> {
  const goal = input.goal.trim();
  if (!goal) throw new DomainError('INVALID_INPUT', 'A run needs a goal.');
  if (goal.length > MAX_GOAL_LENGTH)
    throw new DomainError(
      'INVALID_INPUT',
      `The goal is longer than ${MAX_GOAL_LENGTH} characters.`,
    );
  const team = await getTeam(engine.db, { slug: input.teamSlug });
  if (!team) throw new DomainError('NOT_FOUND', `No team "${input.teamSlug}".`);

  const { manifest } = team;
  const lead = manifest.agents[manifest.lead];
  if (!lead) throw new DomainError('INVALID_MANIFEST', `Team "${team.slug}" names no lead agent.`);

  const runId = randomUUID();
  const leadId = randomUUID();
  const seed = input.seed ?? randomInt(0, 2 ** 31 - 1);
  const traceId = newTraceId();
  const rootSpanId = newSpanId();
  const at = new Date().toISOString();
  const thresholds = await resolveSpawnThresholds(engine, team.id, manifest);
  const budget = manifest.budget ? toBudgetLimits(manifest.budget) : {};

  await insertRun(engine.db, {
    id: runId,
    teamId: team.id,
    manifestVersion: team.currentVersion,
    goal,
    seed,
  });
  await recordEvents(
    engine,
    runId,
    [
      {
        type: 'run.started',
        at,
        agentId: null,
        traceId,
        spanId: rootSpanId,
        parentSpanId: null,
        payload: {
          teamId: team.id,
          teamName: manifest.name,
          manifestVersion: team.currentVersion,
          goal,
          seed,
          by: input.by,
          ...(hasLimits(budget) ? { budget } : {}),
        },
      },
      {
        type: 'agent.spawned',
        at,
        agentId: leadId,
        traceId,
        spanId: newSpanId(),
        parentSpanId: rootSpanId,
        payload: {
          parentAgentId: null,
          parentCallId: null,
          name: manifest.lead,
          role: lead.role,
          model: lead.model,
          task: goal,
          depth: 0,
          toolScope: null,
        },
      },
      {
        // The breakers this run is held to, in its log: replayable, and changed only by a recorded event.
        type: 'breaker.thresholds.changed',
        at,
        agentId: null,
        traceId,
        spanId: newSpanId(),
        parentSpanId: rootSpanId,
        payload: {
          thresholds,
          by: input.by,
          reason: 'the team’s breaker thresholds when the run was spawned',
          source: 'spawn',
        },
      },
    ],
    {
      audit: {
        actor: input.by,
        action: 'run.spawned',
        target: { teamId: team.id, runId },
        detail: { team: team.slug, manifestVersion: team.currentVersion, goal },
      },
    },
  );

  try {
    await enqueue(engine.queues, 'agent.turn', { runId, agentId: leadId, turn: 1 });
  } catch (error) {
    // Never a silent no-op: the run is marked failed and the caller hears why.
    await recordEvents(engine, runId, [
      {
        type: 'run.failed',
        at: new Date().toISOString(),
        agentId: null,
        traceId,
        spanId: newSpanId(),
        parentSpanId: rootSpanId,
        payload: { error: 'could not queue the first turn: the job queue (Redis) is unavailable' },
      },
    ]);
    throw new DomainError('UNAVAILABLE', 'The job queue is unavailable; the run was not started.', {
      cause: error instanceof Error ? error.message : String(error),
    });
  }
  return { runId };
}
