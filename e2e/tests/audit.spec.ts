import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1440, height: 900 } });

/** A slow team, so the run is still going when it is killed. */
const TEAM = `name: audit-e2e
description: A slow team for the audit trail test.
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.read, fs.list]
simulation: { latencyMs: 4000, errorRate: 0, minSteps: 4, maxSteps: 4 }
`;

test('a team save, a launch and a kill are on the audit page, and the chain verifies', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/teams');
  await page.getByTestId('new-team').click();
  await page.getByTestId('manifest-source').fill(TEAM);
  await page.getByTestId('manifest-save').click();
  await page.waitForURL(/\/teams\/audit-e2e$/);

  await page.goto('/');
  await page.getByTestId('launch-run').first().click();
  const launch = page.getByRole('dialog');
  await launch.getByTestId('launch-team').selectOption('audit-e2e');
  await launch.getByTestId('launch-goal').fill('Leave a trail for the auditors');
  await launch.getByTestId('launch-submit').click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').pop()!;
  await expect(page.getByTestId('run-status')).toHaveText(/running/i);
  await page.getByTestId('kill-run').click();
  const confirm = page.getByRole('dialog');
  await confirm.getByTestId('kill-reason').fill('e2e: audit me');
  await confirm.getByTestId('kill-confirm').click();
  await expect(page.getByTestId('run-status')).toHaveText(/killed/i);

  await page.getByTestId('nav-audit').click();
  await page.waitForURL(/\/audit$/);
  await expect(page.getByRole('heading', { name: 'Audit trail' })).toBeVisible();
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ hasText: 'team.saved' }).first()).toContainText('audit-e2e');
  const ofRun = rows.filter({ hasText: runId.slice(0, 12) });
  await expect(ofRun.filter({ hasText: 'run.spawned' })).toContainText(
    'Leave a trail for the auditors',
  );
  await expect(ofRun.filter({ hasText: 'run.killed' })).toContainText('e2e: audit me');

  await page.getByTestId('audit-verify').click();
  const verdict = page.getByTestId('audit-verification');
  await expect(verdict).toHaveAttribute('data-ok', 'true');
  await expect(verdict).toContainText('Chain intact');
  await page.screenshot({ path: path.join(artifacts, 'audit.png'), fullPage: true });

  // Filtering by action narrows the list to the kill.
  await page.getByTestId('audit-action-filter').selectOption('run.killed');
  await expect(rows.filter({ hasText: 'run.spawned' })).toHaveCount(0);
  await expect(ofRun.filter({ hasText: 'run.killed' })).toHaveCount(1);
});
