import { describeIssues, Manifest } from '@flightdeck/domain';

/**
 * Manifests are stored as JSON in their parsed form (defaults filled in), and
 * re-validated by `Manifest.parse` when read back: the schema accepts its own output.
 */
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
    throw new StoredManifestInvalidError(
      teamId,
      version,
      describeIssues(parsed.error.issues, '(manifest)'),
    );
  }
  return parsed.data;
}
