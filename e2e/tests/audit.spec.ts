import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { adminCredentials, signIn } from '../lib/accounts';

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

test('a failed sign-in, a sign-in and an API token creation are on the audit page', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const admin = adminCredentials();
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  try {
    // A wrong password first: refused, and audited with the email tried (never the password).
    const wrong = `wrong-${Date.now()}-password`;
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(wrong);
    await page.getByTestId('sign-in-submit').click();
    await expect(page.getByText('Wrong email or password')).toBeVisible();
    await signIn(page, admin);

    const tokenName = `audit-e2e-${Date.now()}`;
    await page.goto('/settings/tokens');
    await page.getByLabel('Name').fill(tokenName);
    await page.getByTestId('token-submit').click();
    await expect(page.getByTestId('token-secret')).toHaveText(/^fdt_/);

    await page.goto('/audit');
    const rows = page.getByTestId('audit-row');
    const created = rows.filter({ hasText: 'token.created' }).filter({ hasText: tokenName });
    await expect(created).toHaveCount(1);
    await expect(created).toContainText(admin.email);
    await expect(created).toContainText('viewer on every team');

    // Only sign-ins: this browser's, from the loopback address, and the failure before it.
    await page.getByTestId('audit-action-filter').selectOption('kind:sign-ins');
    await expect(rows.filter({ hasText: 'token.created' })).toHaveCount(0);
    const signedIn = rows.filter({ hasText: 'account.signed_in' }).first();
    await expect(signedIn).toContainText(admin.email);
    await expect(signedIn).toContainText('from 127.0.0.1');
    const failed = rows.filter({ hasText: 'account.sign_in_failed' }).first();
    await expect(failed).toContainText(
      `Sign-in failed for ${admin.email}: invalid email or password`,
    );
    await expect(failed).toContainText('anonymous');
    await expect(page.getByTestId('audit-table')).not.toContainText(wrong);
    await page.screenshot({ path: path.join(artifacts, 'audit-sign-ins.png'), fullPage: true });

    await page.getByTestId('audit-verify').click();
    await expect(page.getByTestId('audit-verification')).toHaveAttribute('data-ok', 'true');
  } finally {
    await context.close();
  }
});
