import { saveTeamManifest } from '@flightdeck/db';
import { type Actor, DomainError, parseManifest } from '@flightdeck/domain';
import type { Engine } from '../engine';

/** Who acts when no person does: shipped teams, timers. */
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'flightdeck' };

/**
 * Validate manifest source (YAML or JSON) and store it as the team's next
 * version; a new version is recorded in the audit trail (`team.saved`, by
 * `by`, default the system) in the same transaction.
 */
export async function saveTeam(engine: Engine, input: { source: string; by?: Actor }) {
  const parsed = parseManifest(input.source);
  if (!parsed.ok) {
    throw new DomainError('INVALID_MANIFEST', 'The manifest is invalid.', parsed.issues);
  }
  return saveTeamManifest(engine.db, {
    manifest: parsed.manifest,
    source: input.source,
    by: input.by ?? SYSTEM_ACTOR,
  });
}
