import { parseManifest } from '@flightdeck/domain';
import { describe, expect, it } from 'vitest';
import { readDemoTeamSources } from './ensure-demo-teams';

describe('the shipped teams', () => {
  it('are valid manifests, each with a policy for its tools', async () => {
    const teams = await readDemoTeamSources();
    expect(teams.map((t) => t.file)).toEqual(['demo-research.yaml', 'release-desk.yaml']);
    for (const { file, source } of teams) {
      const parsed = parseManifest(source);
      expect(parsed.ok ? [] : parsed.issues, file).toEqual([]);
      if (parsed.ok) expect(parsed.manifest.policy.rules.length, file).toBeGreaterThan(0);
    }
  });
});
