import {
  getRunSummary,
  getTeam as getTeamRecord,
  listRunSummaries,
  listRunsFrom,
  listTeams as listTeamRecords,
  readEvents,
  checkDatabase,
} from '@flightdeck/db';
import type { RunEvent, RunSummary } from '@flightdeck/domain';
import type { Engine } from '../engine';

/** Read-side use cases: thin, but the API calls these and never the db package directly. */

export function listTeams(engine: Engine) {
  return listTeamRecords(engine.db);
}

export function getTeam(engine: Engine, input: { slug: string }) {
  return getTeamRecord(engine.db, { slug: input.slug });
}

export async function listRuns(
  engine: Engine,
  input: {
    status?: RunSummary['status'];
    teamSlug?: string;
    /** Only runs of these teams (the caller's); undefined for every team. */
    teamIds?: readonly string[];
    limit: number;
    /** Only runs created at or after this instant. */
    since?: string;
    before?: string;
  },
): Promise<RunSummary[]> {
  let teamId: string | undefined;
  if (input.teamSlug) {
    const team = await getTeamRecord(engine.db, { slug: input.teamSlug });
    if (!team) return [];
    teamId = team.id;
  }
  return listRunSummaries(engine.db, {
    status: input.status,
    teamId,
    teamIds: input.teamIds,
    limit: input.limit,
    since: input.since,
    before: input.before,
  });
}

export function getRun(engine: Engine, input: { runId: string }): Promise<RunSummary | null> {
  return getRunSummary(engine.db, input.runId);
}

/** The runs that came from a run: its forks and re-runs, oldest first. */
export function listRunDescendants(
  engine: Engine,
  input: { runId: string },
): Promise<RunSummary[]> {
  return listRunsFrom(engine.db, input.runId);
}

export function readRunEvents(
  engine: Engine,
  input: { runId: string; afterSeq: number; limit: number },
): Promise<RunEvent[]> {
  return readEvents(engine.db, input.runId, { afterSeq: input.afterSeq, limit: input.limit });
}

/** Ready to serve: the database answers with no pending migrations, and Redis answers. */
export async function checkReadiness(
  engine: Engine,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const database = await checkDatabase(engine.db);
  if (!database.ok) return { ok: false, reason: database.reason };
  try {
    await engine.redis.ping();
  } catch (error) {
    return {
      ok: false,
      reason: `Redis: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  return { ok: true };
}
