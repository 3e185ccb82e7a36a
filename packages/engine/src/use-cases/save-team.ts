import { saveTeamManifest } from '@flightdeck/db';
import { DomainError, parseManifest } from '@flightdeck/domain';
import type { Engine } from '../engine';

/** Validate manifest source (YAML or JSON) and store it as the team's next version. */
export async function saveTeam(engine: Engine, input: { source: string }) {
  const parsed = parseManifest(input.source);
  if (!parsed.ok) {
    throw new DomainError('INVALID_MANIFEST', 'The manifest is invalid.', parsed.issues);
  }
  return saveTeamManifest(engine.db, { manifest: parsed.manifest, source: input.source });
}
