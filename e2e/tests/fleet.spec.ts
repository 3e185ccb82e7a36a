import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { trpcMutation } from '../lib/accounts';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1600, height: 1000 } });

/** A one-agent team; with `ask`, its report write waits for a person. */
const team = (slug: string, effect: 'allow' | 'ask') => `name: ${slug}
description: Writes a report (${effect}).
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.read, fs.write, fs.list]
simulation: { latencyMs: 50, errorRate: 0, minSteps: 1, maxSteps: 1 }
policy:
  approvals: { ttlSeconds: 600 }
  rules:
    - { id: report, tool: fs.write, paths: [report.md], effect: ${effect} }
    - { id: files, tool: 'fs.*', effect: allow }
`;

const spawn = (page: Page, teamSlug: string, goal: string) =>
  trpcMutation<{ runId: string }>(page.request, 'runs.spawn', { teamSlug, goal });

const rows = (page: Page) => page.getByTestId('fleet-row');
const row = (page: Page, runId: string) =>
  page.locator(`[data-testid="fleet-row"][data-run-id="${runId}"]`);

test('the fleet filters by status, team and time, keeps its filters in the URL, and shows what waits and what it costs', async ({
  page,
}) => {
  test.setTimeout(90_000);
  const suffix = Date.now().toString(36);
  const quick = `fleet-quick-${suffix}`;
  const gated = `fleet-gated-${suffix}`;
  await trpcMutation(page.request, 'teams.save', { source: team(quick, 'allow') });
  await trpcMutation(page.request, 'teams.save', { source: team(gated, 'ask') });

  await page.goto('/');
  const pendingBefore = Number(await page.getByTestId('kpi-approvals-value').textContent());

  // Runs appear live, without a reload: two that finish, one that waits for a person.
  const done = [
    await spawn(page, quick, 'Fleet: first'),
    await spawn(page, quick, 'Fleet: second'),
  ];
  const waiting = await spawn(page, gated, 'Fleet: needs a person');
  for (const { runId } of [...done, waiting]) await expect(row(page, runId)).toBeVisible();
  for (const { runId } of done)
    await expect(row(page, runId)).toHaveAttribute('data-status', 'completed', { timeout: 30_000 });

  // The gated run's approval shows in the KPIs, live; spend today is counted.
  await expect
    .poll(async () => Number(await page.getByTestId('kpi-approvals-value').textContent()), {
      timeout: 30_000,
    })
    .toBeGreaterThan(pendingBefore);
  await expect(page.getByTestId('kpi-spend-today-value')).not.toHaveText(/—|\$0\.00$/);
  await expect(page.getByTestId('kpi-burn-rate-value')).toHaveText(/\/h$/);

  // Team: only that team's runs.
  await page.getByTestId('fleet-team-filter').selectOption(quick);
  await expect(rows(page)).toHaveCount(2);
  await expect(row(page, waiting.runId)).toHaveCount(0);
  // Status, within the team: the completed ones; none active.
  await page.getByTestId('filter-completed').click();
  await expect(rows(page)).toHaveCount(2);
  await page.getByTestId('filter-active').click();
  await expect(page.getByTestId('fleet-empty')).toContainText('No runs match these filters');
  await page.getByTestId('filter-all').click();
  // Time: created in the last hour.
  await page.getByTestId('fleet-window-filter').selectOption('1h');
  await expect(rows(page)).toHaveCount(2);
  await expect(page).toHaveURL(new RegExp(`team=${quick}.*window=1h|window=1h.*team=${quick}`));

  // A new run of the filtered team arrives live; another team's does not.
  const third = await spawn(page, quick, 'Fleet: third');
  await expect(row(page, third.runId)).toBeVisible();
  const other = await spawn(page, gated, 'Fleet: other team');
  await page.waitForTimeout(1_000);
  await expect(row(page, other.runId)).toHaveCount(0);
  await expect(rows(page)).toHaveCount(3);

  // The filters survive a reload (they are the URL).
  await page.reload();
  await expect(page.getByTestId('fleet-team-filter')).toHaveValue(quick);
  await expect(page.getByTestId('fleet-window-filter')).toHaveValue('1h');
  await expect(rows(page)).toHaveCount(3);

  await page.getByTestId('fleet-team-filter').selectOption('');
  await page.getByTestId('fleet-window-filter').selectOption('all');
  await expect(row(page, waiting.runId)).toBeVisible();
  await page.screenshot({ path: path.join(artifacts, 'fleet.png'), fullPage: true });
});
