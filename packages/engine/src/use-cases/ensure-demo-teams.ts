import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { getTeam } from '@flightdeck/db';
import { parseManifest, formatManifestIssues } from '@flightdeck/domain';
import type { Engine } from '../engine';
import { saveTeam } from './save-team';

const TEAMS_DIR = fileURLToPath(new URL('../../teams/', import.meta.url));

/** The teams that ship with Flightdeck, as manifest sources. */
export async function readDemoTeamSources(): Promise<Array<{ file: string; source: string }>> {
  const files = (await readdir(TEAMS_DIR)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({ file, source: await readFile(`${TEAMS_DIR}${file}`, 'utf8') })),
  );
}

/** Create each shipped team that does not exist yet; an operator's later versions are left alone. */
export async function ensureDemoTeams(engine: Engine): Promise<string[]> {
  const created: string[] = [];
  for (const { file, source } of await readDemoTeamSources()) {
    const parsed = parseManifest(source);
    if (!parsed.ok)
      throw new Error(`shipped team ${file} is invalid:\n${formatManifestIssues(parsed.issues)}`);
    if (await getTeam(engine.db, { slug: parsed.manifest.name })) continue;
    await saveTeam(engine, { source });
    created.push(parsed.manifest.name);
  }
  return created;
}
