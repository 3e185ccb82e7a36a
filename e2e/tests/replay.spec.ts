import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { pageAs, trpcMutation } from '../lib/accounts';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1600, height: 1000 } });

/** Like the shipped release desk: an editor drafts notes, publishing report.md needs an approval. */
const team = (slug: string) => `name: ${slug}
description: An editor drafts, publishing needs a human.
lead: lead
agents:
  lead:
    role: Release lead
    model: simulated/gpt-4o
    tools: [delegate, fs.write, fs.read, fs.list]
    delegates: [editor]
    models: [simulated/gpt-4o-mini]
  editor:
    role: Editor
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read, fs.list]
simulation: { latencyMs: 250, errorRate: 0, minSteps: 2, maxSteps: 2 }
policy:
  approvals: { ttlSeconds: 900, warnBeforeSeconds: 60 }
  rules:
    - { id: delegate, tool: delegate, effect: allow }
    - { id: read, tool: fs.read, effect: allow }
    - { id: list, tool: fs.list, effect: allow }
    - { id: drafts, tool: fs.write, paths: ['notes/**'], effect: allow }
    - id: publish-report
      tool: fs.write
      paths: [report.md]
      effect: ask
      risk: Overwrites the published notes.
`;

const replayBar = (page: Page) => page.getByTestId('replay-bar');

async function approveInInbox(inbox: Page, goal: string): Promise<void> {
  await inbox.goto('/approvals');
  const card = inbox.getByTestId('approval-card').filter({ hasText: goal }).first();
  await expect(card).toBeVisible({ timeout: 60_000 });
  await card.getByTestId('approval-approve').click();
  await expect(card).toHaveCount(0, { timeout: 15_000 });
}

test('scrub a finished run back to its approval, see the workspace then, fork from there with a message and watch it run; roll a workspace back', async ({
  page,
  browser,
}) => {
  test.setTimeout(240_000);
  const slug = `replay-${Date.now().toString(36)}`;
  const goal = `Publish the release notes ${slug}`;
  await trpcMutation(page.request, 'teams.save', { source: team(slug) });
  const approver = await pageAs(browser, page.request, ['approver'], 'replay-approver');

  // A run that asks for an approval, approved by someone else, and finishes.
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.spawn', {
    teamSlug: slug,
    goal,
  });
  await approveInInbox(approver.page, goal);
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 90_000 });

  // Replay: from the end, back to the moment the approval was asked for.
  await page.getByTestId('replay-open').click();
  await expect(replayBar(page)).toHaveAttribute('data-state', 'replay');
  const end = Number(await replayBar(page).getAttribute('data-at'));
  await expect(page.getByTestId('run-controls')).toBeHidden();
  for (let i = 0; i < 3; i++) {
    if (/approval\.requested/.test(await page.getByTestId('replay-position').innerText())) break;
    await page.getByTestId('replay-prev-approval').click();
  }
  await expect(page.getByTestId('replay-position')).toContainText('approval.requested');
  const asked = Number(await replayBar(page).getAttribute('data-at'));
  expect(asked).toBeLessThan(end);
  // The moment has a URL, and the page shows the run as it was: waiting for the approval, not done.
  await expect(page).toHaveURL(new RegExp(`[?&]at=${asked}(&|$)`));
  await expect(page.getByTestId('run-status')).toHaveText(/running/i);
  await expect(page.getByTestId('approvals-waiting-banner')).toBeVisible();
  await expect(page.getByTestId('run-outcome')).toHaveCount(0);
  // One step back and forth with the keys.
  await page.getByTestId('replay-slider').focus();
  await page.keyboard.press('ArrowLeft');
  await expect(replayBar(page)).toHaveAttribute('data-at', String(asked - 1));
  await page.keyboard.press('ArrowRight');
  await expect(replayBar(page)).toHaveAttribute('data-at', String(asked));

  // The workspace at that step: the editor's notes, no report yet (it waits for the approval).
  await page.getByTestId('tab-workspace').click();
  await expect(page.getByTestId('workspace-step-bar')).toHaveAttribute('data-at', String(asked));
  const note = page.locator('[data-testid="workspace-file"][data-path^="notes/"]').first();
  await expect(note).toBeVisible();
  await expect(page.locator('[data-testid="workspace-file"][data-path="report.md"]')).toHaveCount(
    0,
  );
  await note.click();
  // What the step changed in it, then the file as it was then (read from the workspace's history).
  await expect(page.getByTestId('workspace-step-diff')).toContainText('#');
  await page.getByTestId('workspace-step-show-file').click();
  const viewer = page.getByTestId('workspace-viewer');
  await expect(viewer).toHaveAttribute('data-state', 'ready');
  await expect(viewer).not.toHaveAttribute('data-commit', '');
  await expect(viewer).toContainText('#');
  await page.screenshot({ path: path.join(artifacts, 'replay-at-approval.png'), fullPage: true });

  // Fork from there with a message for the lead.
  await page.getByTestId('fork-open').click();
  await expect(page.getByRole('dialog')).toContainText(`step ${asked}`);
  await page.getByTestId('fork-message').fill('Mention the upgrade steps first.');
  await page.getByTestId('fork-confirm').click();
  await page.waitForURL(
    (url) => /\/runs\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.includes(runId),
  );
  const forkId = page.url().split('/runs/')[1]!.split('?')[0]!;
  await expect(page.getByTestId('run-origin')).toContainText(`at step ${asked}`);
  await expect(page.getByTestId('run-origin-link')).toHaveAttribute(
    'href',
    `/runs/${runId}?at=${asked}`,
  );
  // Live: the fork asks for the approval again (nothing before the fork point ran again), then goes on.
  await expect(page.getByTestId('run-status')).toHaveText(/running/i);
  await expect(page.getByTestId('approvals-waiting-banner')).toBeVisible({ timeout: 60_000 });
  const seqBefore = Number((await page.getByTestId('run-seq').innerText()).replace(/[^0-9]/g, ''));
  await approveInInbox(approver.page, goal);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 90_000 });
  const seqAfter = Number((await page.getByTestId('run-seq').innerText()).replace(/[^0-9]/g, ''));
  expect(seqAfter).toBeGreaterThan(seqBefore);
  // The lead read the message at its next turn.
  await expect(page.getByTestId('conversation')).toContainText('Mention the upgrade steps first.');
  await page.screenshot({ path: path.join(artifacts, 'replay-fork-live.png'), fullPage: true });

  // The origin lists its fork.
  await page.goto(`/runs/${runId}`);
  await expect(
    page.locator(`[data-testid="run-fork-link"][data-run-id="${forkId}"]`),
  ).toBeVisible();

  // Roll the fork's workspace back to its first recorded step: the report goes, the notes stay.
  await page.goto(`/runs/${forkId}?tab=workspace`);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i);
  await expect(page.locator('[data-testid="workspace-file"][data-path="report.md"]')).toBeVisible();
  const first = page.getByTestId('workspace-step').first();
  await first.click();
  const firstSeq = await first.getAttribute('data-seq');
  await expect(page.getByTestId('workspace-step-bar')).toHaveAttribute('data-at', firstSeq!);
  await page.getByTestId('workspace-restore').click();
  await page.getByTestId('restore-reason').fill('e2e: back to the first draft');
  await page.getByTestId('restore-confirm').click();
  await expect(page.getByRole('dialog')).toHaveCount(0);
  const rollback = page.locator('[data-testid="workspace-step"][data-kind="rollback"]');
  await expect(rollback).toHaveCount(1, { timeout: 15_000 });
  await page.getByTestId('workspace-step-now').click();
  await expect(page.locator('[data-testid="workspace-file"][data-path="report.md"]')).toHaveCount(
    0,
  );
  await expect(
    page.locator('[data-testid="workspace-file"][data-path^="notes/"]').first(),
  ).toBeVisible();
  await page.screenshot({ path: path.join(artifacts, 'replay-rollback.png'), fullPage: true });
  // Recorded in the log: who, to which step, why.
  await page.getByTestId('run-view-log').click();
  await expect(
    page.locator('[data-testid="event-row"][data-type="workspace.restored"]'),
  ).toContainText(`rolled back to step ${firstSeq}`);

  await approver.close();
});

test('re-run a finished run deterministically (identical, no live call), export it and import it back', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const slug = `rerun-${Date.now().toString(36)}`;
  await trpcMutation(page.request, 'teams.save', {
    source: team(slug)
      .replace(/effect: ask\n\s+risk: Overwrites the published notes\./, 'effect: allow')
      .replace('latencyMs: 250', 'latencyMs: 50'),
  });
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.spawn', {
    teamSlug: slug,
    goal: `Re-run the notes ${slug}`,
  });
  await page.goto(`/runs/${runId}`);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 90_000 });

  // Re-run: a new run, compared event by event with this one.
  await page.getByTestId('run-rerun').click();
  await page.waitForURL((url) => !url.pathname.includes(runId) && /\/runs\//.test(url.pathname));
  await expect(page.getByTestId('run-origin')).toContainText('Re-run of');
  await expect(page.getByTestId('rerun-verdict')).toHaveAttribute('data-state', 'identical', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('rerun-verdict')).toContainText('no live call');
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i);
  await page.screenshot({ path: path.join(artifacts, 'replay-rerun.png'), fullPage: true });

  // Export the original, import the file: a new run with the same log and files.
  await page.goto(`/runs/${runId}`);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('run-export').click(),
  ]);
  const file = await download.path();
  await page.goto('/');
  await page.getByTestId('import-run-file').setInputFiles(file);
  await page.waitForURL((url) => /\/runs\/[0-9a-f-]{36}$/.test(url.pathname));
  expect(page.url()).not.toContain(runId);
  await expect(page.getByTestId('run-origin')).toContainText('Imported');
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i);
  await page.getByTestId('tab-workspace').click();
  await expect(page.locator('[data-testid="workspace-file"][data-path="report.md"]')).toBeVisible();
});
