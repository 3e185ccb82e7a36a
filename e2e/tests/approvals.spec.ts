import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { pageAs, trpcMutation } from '../lib/accounts';

/** Screenshots are kept as evidence of what an approver sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1440, height: 1000 } });

/** A lead that writes report.md straight away; writing it asks a human. */
const team = (slug: string, approvals: string) => `name: ${slug}
description: Publishing the report needs an approval.
lead: lead
agents:
  lead:
    role: Lead
    model: simulated/gpt-4o-mini
    tools: [fs.read, fs.write, fs.list]
simulation: { latencyMs: 50, errorRate: 0, minSteps: 1, maxSteps: 1 }
policy:
  approvals: ${approvals}
  rules:
    - id: publish-report
      tool: fs.write
      paths: [report.md]
      effect: ask
      risk: Overwrites the published report; roll back by restoring the old content.
    - { id: files, tool: 'fs.*', effect: allow }
`;

async function saveTeam(page: Page, source: string): Promise<void> {
  await trpcMutation(page.request, 'teams.save', { source });
}

async function spawn(page: Page, teamSlug: string, goal: string): Promise<string> {
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.spawn', {
    teamSlug,
    goal,
  });
  return runId;
}

const card = (page: Page, runGoal: string) =>
  page.getByTestId('approval-card').filter({ hasText: runGoal });

test('an approver edits one approval, denies another with a reason the agent reads, and sees a third expire', async ({
  page,
  browser,
}) => {
  test.setTimeout(150_000);
  const slug = `approvals-${Date.now().toString(36)}`;
  await saveTeam(page, team(slug, '{ ttlSeconds: 300, warnBeforeSeconds: 60 }'));
  await saveTeam(page, team(`${slug}-short`, '{ ttlSeconds: 6, warnBeforeSeconds: 4 }'));

  // The approver opens the inbox before anything asks: approvals must appear live.
  const approver = await pageAs(browser, page.request, ['approver'], 'approver');
  const inbox = approver.page;
  await inbox.goto('/approvals');
  await expect(inbox.getByTestId('approvals-empty-pending')).toBeVisible();

  // The admin (who started the runs) may not decide their approvals; the approver does.
  const edited = await spawn(page, slug, 'Publish the edited notes');
  const denied = await spawn(page, slug, 'Publish the wrong numbers');
  const expiring = await spawn(page, `${slug}-short`, 'Publish before anyone looks');

  // 1. Appears live, with its rule, risk and a diff of the new file; edited and approved.
  const first = card(inbox, 'Publish the edited notes');
  await expect(first).toBeVisible({ timeout: 30_000 });
  await expect(first.getByTestId('approval-status')).toHaveText('pending');
  await expect(first.getByTestId('approval-risk')).toContainText('Overwrites the published report');
  await expect(first.getByTestId('approval-diff')).toContainText('report.md');
  await expect(first.getByTestId('approval-diff')).toContainText('a new file');
  await expect(first.locator('[data-testid="diff-line"][data-kind="add"]').first()).toBeVisible();
  await expect(inbox.getByTestId('nav-approvals-count')).toBeVisible();
  await inbox.screenshot({ path: path.join(artifacts, 'approvals-inbox.png'), fullPage: true });

  await first.getByTestId('approval-edit-open').click();
  await first.getByTestId('approval-edit').fill('# Release notes\n\nEdited by the approver.\n');
  await first.getByTestId('approval-reason').fill('tightened the wording');
  await first.getByTestId('approval-approve-edited').click();
  await expect(first).toHaveCount(0); // gone from the waiting list

  // 2. Denied with a reason that goes back to the agent.
  const second = card(inbox, 'Publish the wrong numbers');
  await expect(second).toBeVisible({ timeout: 30_000 });
  await second.getByTestId('approval-deny-open').click();
  await second.getByTestId('approval-reason').fill('e2e: the numbers are wrong');
  await second.getByTestId('approval-deny').click();
  await expect(second).toHaveCount(0);

  // 3. Nobody decides: it warns, then expires, and is shown as expired (not as denied).
  const third = card(inbox, 'Publish before anyone looks');
  await expect(third).toBeVisible({ timeout: 30_000 });
  await expect(third.getByTestId('approval-expiry')).toHaveAttribute('data-warning', 'true', {
    timeout: 10_000,
  });
  await expect(third).toHaveCount(0, { timeout: 30_000 });

  await inbox.getByTestId('approvals-tab-decided').click();
  const history = inbox.getByTestId('approvals-list-decided');
  await expect(
    history.getByTestId('approval-card').filter({ hasText: 'Publish the edited notes' }),
  ).toHaveAttribute('data-status', 'approved');
  await expect(
    history.getByTestId('approval-card').filter({ hasText: 'Publish the wrong numbers' }),
  ).toHaveAttribute('data-status', 'denied');
  const expiredCard = history
    .getByTestId('approval-card')
    .filter({ hasText: 'Publish before anyone looks' });
  await expect(expiredCard).toHaveAttribute('data-status', 'expired');
  await expect(expiredCard.getByTestId('approval-decision')).toContainText(
    'Expired with no decision',
  );
  await expect(
    history.getByTestId('approval-card').filter({ hasText: 'Publish the edited notes' }),
  ).toContainText('with edited arguments');
  await inbox.screenshot({ path: path.join(artifacts, 'approvals-history.png'), fullPage: true });

  // The edited call is what ran; the denied agent read the reason and said so.
  await page.goto(`/runs/${edited}`);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 30_000 });
  const file = await page.request.get(
    `/api/trpc/runs.workspaceFile?input=${encodeURIComponent(JSON.stringify({ runId: edited, path: 'report.md' }))}`,
  );
  expect(
    ((await file.json()) as { result: { data: { content: string } } }).result.data.content,
  ).toBe('# Release notes\n\nEdited by the approver.\n');

  await page.goto(`/runs/${denied}`);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 30_000 });
  await expect(
    page.getByText(/could not write report\.md \(denied by .*the numbers are wrong/).first(),
  ).toBeVisible();

  // The run's own page lists its approvals, and the policy tab shows which rule decided.
  await page.goto(`/runs/${expiring}?tab=approvals`);
  await expect(page.getByTestId('run-approvals').getByTestId('approval-card')).toHaveAttribute(
    'data-status',
    'expired',
  );
  await page.getByTestId('tab-policy').click();
  await page.getByTestId('agent-node').first().click();
  await expect(page.getByTestId('policy-rule').first()).toHaveAttribute(
    'data-rule',
    'publish-report',
  );
  await expect(page.getByTestId('gate-decision').filter({ hasText: 'publish-report' })).toHaveCount(
    1,
  );
  await page.screenshot({ path: path.join(artifacts, 'agent-policy.png'), fullPage: true });

  await approver.close();
});

test('the person who started a run cannot decide its approvals, and a viewer cannot decide at all', async ({
  page,
  browser,
}) => {
  test.setTimeout(90_000);
  const slug = `self-approve-${Date.now().toString(36)}`;
  await saveTeam(page, team(slug, '{ ttlSeconds: 300 }'));
  await spawn(page, slug, 'Approve my own write');

  await page.goto('/approvals');
  const own = card(page, 'Approve my own write');
  await expect(own).toBeVisible({ timeout: 30_000 });
  await own.getByTestId('approval-approve').click();
  await expect(own.getByRole('alert')).toContainText('You started this run');

  const viewer = await pageAs(browser, page.request, ['viewer'], 'viewer');
  await viewer.page.goto('/approvals');
  const seen = card(viewer.page, 'Approve my own write');
  await expect(seen).toBeVisible();
  await expect(seen.getByTestId('approval-controls')).toHaveCount(0);
  await viewer.close();
});
