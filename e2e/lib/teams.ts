import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { trpcMutation } from './accounts';

/**
 * The shipped demo team, slowed down and without simulated errors, saved
 * under a slug of its own. As shipped, its subagents live one to three
 * seconds and a whole run can end in ten, which a loaded machine lets pass
 * before a click lands: tests that must act on a live team use this copy
 * (its researcher lives well over five seconds).
 */
export async function saveHeldDemoTeam(request: APIRequestContext): Promise<string> {
  const slug = `held-research-${Date.now().toString(36)}`;
  const shipped = readFileSync(
    path.join(import.meta.dirname, '..', '..', 'packages', 'engine', 'teams', 'demo-research.yaml'),
    'utf8',
  );
  const [head] = shipped.split(/^simulation:/m);
  const source = `${head!.replace(/^name: demo-research$/m, `name: ${slug}`)}simulation: { latencyMs: 1500, errorRate: 0, minSteps: 3, maxSteps: 3 }\n`;
  await trpcMutation(request, 'teams.save', { source });
  return slug;
}
