import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { saveHeldDemoTeam } from '../lib/teams';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test('launch the demo team from the fleet page, watch it live, kill it', async ({ page }) => {
  // A slowed copy of the demo team: the shipped one can finish before the kill lands.
  const slug = await saveHeldDemoTeam(page.request);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Fleet' })).toBeVisible();

  await page.getByTestId('launch-run').first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('launch-team').selectOption(slug);
  await expect(dialog).toBeVisible();
  await dialog.getByTestId('launch-goal').fill('Survey open-source agent observability tools');
  await dialog.getByTestId('launch-submit').click();

  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').pop()!;
  await expect(page.getByTestId('run-status')).toHaveText(/running/i);

  // Events arrive live, without a reload. (The feed is virtualized: count events, not rendered rows.)
  const feed = page.getByTestId('event-feed');
  const events = async () => Number(await feed.getAttribute('data-count'));
  await expect(page.getByTestId('event-row').first()).toBeVisible();
  const early = await events();
  await expect.poll(events, { timeout: 20_000 }).toBeGreaterThan(early);
  await expect
    .poll(async () => page.getByTestId('agent-node').count(), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(3);
  await page.screenshot({ path: path.join(artifacts, 'run-live.png'), fullPage: true });

  await page.getByTestId('kill-run').click();
  const confirm = page.getByRole('dialog');
  await confirm.getByTestId('kill-reason').fill('e2e: stop the demo');
  await confirm.getByTestId('kill-confirm').click();
  await expect(page.getByTestId('run-status')).toHaveText(/killed/i);
  await expect(page.getByTestId('kill-run')).toBeDisabled();
  await expect(page.getByTestId('event-feed')).toContainText('run.killed');
  await page.screenshot({ path: path.join(artifacts, 'run-killed.png'), fullPage: true });

  // The fleet shows it killed too.
  await page.goto('/');
  const row = page
    .getByTestId('fleet-row')
    .filter({ has: page.locator(`[href="/runs/${runId}"]`) });
  await expect(row).toContainText(/killed/i);
  await page.screenshot({ path: path.join(artifacts, 'fleet-after-kill.png'), fullPage: true });
});
