import { getTeam, getTeamBreakerDefaults, saveTeamBreakerDefaults } from '@flightdeck/db';
import {
  type Actor,
  BreakerOverrides,
  type BreakerThresholds,
  DEFAULT_BREAKER_THRESHOLDS,
  describeIssues,
  DomainError,
  isTerminalRunStatus,
  type Manifest,
  mergeThresholds,
} from '@flightdeck/domain';
import type { Engine } from '../../engine';
import { controlDraft, record, requireRun } from '../control/run-control-context';

/** What a new run of the team is held to: built-in defaults ← the team's defaults ← the manifest's `breakers:`. */
export async function resolveSpawnThresholds(
  engine: Engine,
  teamId: string,
  manifest: Manifest,
): Promise<BreakerThresholds> {
  const team = await getTeamBreakerDefaults(engine.db, teamId);
  return mergeThresholds(DEFAULT_BREAKER_THRESHOLDS, team.thresholds, manifest.breakers);
}

function parseOverrides(thresholds: unknown): BreakerOverrides {
  const parsed = BreakerOverrides.safeParse(thresholds);
  if (!parsed.success) {
    throw new DomainError(
      'INVALID_INPUT',
      `The thresholds are not valid: ${describeIssues(parsed.error.issues, '(thresholds)')}`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

async function requireTeam(engine: Engine, slug: string) {
  const team = await getTeam(engine.db, { slug });
  if (!team) throw new DomainError('NOT_FOUND', `No team ${slug}`);
  return team;
}

/** A team's breaker defaults as set, and what its next runs get (with its current manifest). */
export async function getTeamBreakerSettings(engine: Engine, input: { slug: string }) {
  const team = await requireTeam(engine, input.slug);
  const stored = await getTeamBreakerDefaults(engine.db, team.id);
  return {
    ...stored,
    defaults: DEFAULT_BREAKER_THRESHOLDS,
    /** The built-ins with the team's defaults over them. */
    team: mergeThresholds(DEFAULT_BREAKER_THRESHOLDS, stored.thresholds),
    /** …and the manifest's `breakers:` over those: what a run spawned now is held to. */
    effective: mergeThresholds(
      DEFAULT_BREAKER_THRESHOLDS,
      stored.thresholds,
      team.manifest.breakers,
    ),
    manifest: team.manifest.breakers,
  };
}

/** Save a new version of a team's breaker defaults (runs spawned from now on get them), audited. */
export async function saveTeamBreakerSettings(
  engine: Engine,
  input: { slug: string; thresholds: unknown; by: Actor },
): Promise<{ version: number }> {
  const team = await requireTeam(engine, input.slug);
  const thresholds = parseOverrides(input.thresholds);
  return saveTeamBreakerDefaults(engine.db, {
    teamId: team.id,
    thresholds,
    createdBy: `${input.by.kind}:${input.by.id}`,
    audit: {
      actor: input.by,
      action: 'breaker.changed',
      target: { teamId: team.id },
      detail: { scope: 'team' },
    },
  });
}

/**
 * Change a live run's thresholds: recorded as an event (with who and why), so
 * the worker holds the run to them from its next gated call, and the audit
 * trail has it.
 */
export async function setRunBreakerThresholds(
  engine: Engine,
  input: { runId: string; thresholds: unknown; by: Actor; reason: string },
): Promise<{ thresholds: BreakerThresholds; seq: number }> {
  const state = await requireRun(engine, input.runId);
  if (isTerminalRunStatus(state.status) || state.status === 'pending')
    throw new DomainError('CONFLICT', `The run is ${state.status}: its breakers no longer apply.`);
  const overrides = parseOverrides(input.thresholds);
  const thresholds = mergeThresholds(state.breakers.thresholds, overrides);
  const reason = input.reason.trim();
  const [event] = await record(
    engine,
    input.runId,
    [
      controlDraft(state, 'breaker.thresholds.changed', {
        thresholds,
        by: input.by,
        reason,
        source: 'run',
      }),
    ],
    {
      actor: input.by,
      action: 'breaker.changed',
      target: { runId: input.runId, teamId: state.teamId ?? undefined },
      detail: { scope: 'run', reason, changes: overrides },
    },
  );
  return { thresholds, seq: event?.seq ?? 0 };
}
