import { Manifest } from '@flightdeck/domain';
import type { z } from 'zod';

/**
 * Manifests are stored as JSON in the schema's input form (defaults filled in,
 * models written `provider/name`), so that reading one back is one
 * `Manifest.parse` that re-validates it. The parsed form itself does not
 * parse again: the schema turns model strings into objects.
 */
export type StoredManifest = z.input<typeof Manifest>;

export function toStoredManifest(manifest: Manifest): StoredManifest {
  const agents = Object.fromEntries(
    Object.entries(manifest.agents).map(([key, agent]) => [
      key,
      { ...agent, model: `${agent.model.provider}/${agent.model.name}` },
    ]),
  );
  return { ...manifest, agents };
}

export class StoredManifestInvalidError extends Error {
  constructor(teamId: string, version: number, detail: string) {
    super(
      `Stored manifest version ${version} of team ${teamId} does not match the manifest schema: ${detail}`,
    );
    this.name = 'StoredManifestInvalidError';
  }
}

export function parseStoredManifest(json: unknown, teamId: string, version: number): Manifest {
  const parsed = Manifest.safeParse(json);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(manifest)'}: ${i.message}`)
      .join('; ');
    throw new StoredManifestInvalidError(teamId, version, detail);
  }
  return parsed.data;
}
