import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { pageAs, randomPassword, signIn, trpcMutation } from '../lib/accounts';
import { ADMIN_EMAIL, ARTIFACTS_DIR, SETUP_LINK_FILE } from '../lib/state';

/**
 * Accounts and roles in the browser. The admin was created by the global setup
 * through the one-time setup link (screenshot: setup-first-admin.png); every
 * other account here is invited by the admin.
 */

// Each test signs people in and out through the pages: give them room on a loaded machine.
test.describe.configure({ timeout: 180_000 });

const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}.png`) });

async function spawnDemoRun(page: Page, goal: string): Promise<string> {
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.spawn', {
    teamSlug: 'demo-research',
    goal,
  });
  return runId;
}

test('the setup link worked once; without a session every page goes to sign-in', async ({
  browser,
}) => {
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const page = await context.newPage();
  await page.goto(readFileSync(SETUP_LINK_FILE, 'utf8').trim());
  await expect(page.getByTestId('setup-invalid')).toBeVisible();

  await page.goto('/costs');
  await expect(page).toHaveURL(/\/sign-in\?next=%2Fcosts$/);
  await expect(page.getByTestId('sign-in-form')).toBeVisible();
  const api = await page.request.get('/api/trpc/teams.list');
  expect(api.status()).toBe(401);
  await context.close();
});

test('the admin invites an approver from the Users page; the approver signs in and cannot kill', async ({
  page,
  browser,
}) => {
  await page.goto('/settings/users');
  await expect(page.getByTestId(`user-${ADMIN_EMAIL}`)).toBeVisible();
  const email = `approver-${Date.now()}@e2e.test`;
  await page.getByLabel('Email').fill(email);
  await page.getByTestId('invite-role-viewer').uncheck();
  await page.getByTestId('invite-role-approver').check();
  await page.getByTestId('invite-submit').click();
  const link = (await page.getByTestId('invite-link').textContent())!.trim();
  expect(link).toMatch(/\/invite\?token=fdi_/);
  await expect(page.getByTestId(`invitation-${email}`)).toBeVisible();
  await shot(page, 'accounts-invite');

  const runId = await spawnDemoRun(page, 'A run the approver watches');

  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const approver = await context.newPage();
  await approver.goto(link);
  await expect(approver.getByText(`You are invited as ${email}.`)).toBeVisible();
  const password = randomPassword();
  await approver.getByLabel('Your name').fill('Apu');
  await approver.getByLabel(/^Password \(/).fill(password);
  await approver.getByLabel('Password again').fill(password);
  await approver.getByTestId('new-account-submit').click();
  await expect(approver.getByTestId('user-id')).toHaveText(email);
  await expect(approver.getByTestId('user-roles')).toContainText('approver');

  // Approvers watch runs but hold no run controls: none shown, and the server refuses them.
  await expect(approver.getByTestId('launch-run')).toHaveCount(0);
  await approver.goto(`/runs/${runId}`);
  await expect(approver.getByTestId('agent-node').first()).toBeVisible();
  await expect(approver.getByTestId('run-controls')).toHaveCount(0);
  await shot(approver, 'accounts-approver-run');
  const kill = await approver.request.post('/api/trpc/runs.kill', {
    data: { runId, reason: 'not allowed' },
  });
  expect(kill.status()).toBe(403);
  // Admin pages are not theirs either.
  await expect(approver.getByTestId('nav-users')).toHaveCount(0);
  await context.close();
});

test('a viewer sees the fleet but can neither control nor administer', async ({
  page,
  browser,
}) => {
  const runId = await spawnDemoRun(page, 'A run the viewer watches');
  const viewer = await pageAs(browser, page.request, ['viewer']);
  await expect(viewer.page.getByTestId('user-roles')).toContainText('viewer');
  await expect(viewer.page.getByTestId('launch-run')).toHaveCount(0);
  await viewer.page.goto(`/runs/${runId}`);
  await expect(viewer.page.getByTestId('agent-node').first()).toBeVisible();
  await expect(viewer.page.getByTestId('run-controls')).toHaveCount(0);
  await shot(viewer.page, 'accounts-viewer-run');
  for (const [procedure, input] of [
    ['runs.kill', { runId, reason: 'no' }],
    ['runs.spawn', { teamSlug: 'demo-research', goal: 'no' }],
    ['users.invite', { email: 'x@e2e.test', roles: ['admin'], teams: 'all' }],
  ] as const) {
    const response = await viewer.page.request.post(`/api/trpc/${procedure}`, { data: input });
    expect(response.status(), procedure).toBe(403);
  }
  await viewer.page.goto('/settings/users');
  await expect(viewer.page.getByText('Your role does not allow accounts.manage')).toBeVisible();

  // Signing out ends the session at once.
  await viewer.page.getByTestId('user-menu').click();
  await viewer.page.getByTestId('sign-out').click();
  await expect(viewer.page).toHaveURL(/\/sign-in/);
  expect((await viewer.page.request.get('/api/trpc/teams.list')).status()).toBe(401);
  await viewer.close();
});

test('an API token made on the Tokens page works for scripts until revoked', async ({
  page,
  playwright,
}) => {
  await page.goto('/settings/tokens');
  await page.getByLabel('Name').fill('e2e script');
  await page.getByTestId('token-submit').click();
  const secret = (await page.getByTestId('token-secret').textContent())!.trim();
  expect(secret).toMatch(/^fdt_/);
  await shot(page, 'accounts-token');

  const script = await playwright.request.newContext({
    baseURL: page.url(),
    storageState: { cookies: [], origins: [] },
    extraHTTPHeaders: { authorization: `Bearer ${secret}` },
  });
  expect((await script.get('/api/trpc/teams.list')).status()).toBe(200);
  await page.getByTestId('token-e2e script').getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('token-e2e script')).toContainText('revoked');
  expect((await script.get('/api/trpc/teams.list')).status()).toBe(401);
  await script.dispose();
});

test('a foreign origin cannot change state with the admin session', async ({ page }) => {
  await page.goto('/');
  const response = await page.request.post('/api/trpc/runs.spawn', {
    data: { teamSlug: 'demo-research', goal: 'cross-site' },
    headers: { origin: 'http://evil.example' },
  });
  expect(response.status()).toBe(403);
  const form = await page.request.post('/api/trpc/runs.spawn', {
    form: { teamSlug: 'demo-research', goal: 'a form post' },
  });
  expect(form.status()).toBe(415);
});

test('the admin deactivates a user on the Users page: signed out at once, back after reactivation', async ({
  page,
  browser,
}) => {
  const viewer = await pageAs(browser, page.request, ['viewer'], 'paused');
  expect((await viewer.page.request.get('/api/trpc/teams.list')).status()).toBe(200);

  await page.goto('/settings/users');
  const row = page.getByTestId(`user-${viewer.credentials.email}`);
  page.once('dialog', (dialog) => void dialog.accept());
  await row.getByTestId('user-deactivate').click();
  await expect(row).toHaveAttribute('data-active', 'false');
  await expect(row).toContainText('deactivated');
  await shot(page, 'accounts-deactivated');
  expect((await viewer.page.request.get('/api/trpc/teams.list')).status()).toBe(401);

  // Refused at sign-in while deactivated, with a reason a person understands.
  await viewer.page.goto('/sign-in');
  await viewer.page.getByLabel('Email').fill(viewer.credentials.email);
  await viewer.page.getByLabel('Password').fill(viewer.credentials.password);
  await viewer.page.getByTestId('sign-in-submit').click();
  await expect(viewer.page.getByText('This account is deactivated')).toBeVisible();

  await row.getByTestId('user-reactivate').click();
  await expect(row).toHaveAttribute('data-active', 'true');
  await signIn(viewer.page, viewer.credentials);
  expect((await viewer.page.request.get('/api/trpc/teams.list')).status()).toBe(200);
  await viewer.close();

  await page.goto('/audit');
  await page.getByTestId('audit-action-filter').selectOption('kind:accounts');
  const rows = page.getByTestId('audit-row').filter({ hasText: viewer.credentials.email });
  await expect(rows.filter({ hasText: 'user.deactivated' })).toContainText('1 session ended');
  await expect(rows.filter({ hasText: 'user.reactivated' })).toHaveCount(1);
});
