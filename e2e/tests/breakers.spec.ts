import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { trpcMutation } from '../lib/accounts';
import { ADMIN_EMAIL } from '../lib/state';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1600, height: 1000 } });

const node = (page: Page, name: string) =>
  page.locator(`[data-testid="agent-node"][data-agent-name="${name}"]`);
const eventCount = async (page: Page) =>
  Number(await page.getByTestId('event-feed').getAttribute('data-count'));
const scrollToTop = (page: Page) =>
  page
    .locator('main')
    .evaluate((el: { scrollTo(x: number, y: number): void }) => el.scrollTo(0, 0));

/**
 * A team whose lead is a runaway on purpose (the simulated model's `loop`):
 * it writes a draft and reads it back, again and again, four times over. No
 * tool is called often enough for a per-tool count to notice; the loop
 * breaker, which counts across tools, trips on the third round.
 */
function loopingTeam(slug: string): string {
  return `
name: ${slug}
description: A lead that keeps rewriting and rereading the same draft.
lead: lead
agents:
  lead:
    role: Writer stuck in a loop
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.read]
    limits: { maxTurns: 30 }
policy:
  rules:
    - { id: files, tool: 'fs.*', effect: allow }
simulation:
  latencyMs: 250
  errorRate: 0
  minSteps: 1
  maxSteps: 1
  loop:
    agents: [lead]
    times: 4
    calls:
      - { tool: fs.write, args: { path: draft.md, content: "Draft: same as before." } }
      - { tool: fs.read, args: { path: draft.md } }
`;
}

test('a looping agent trips the loop breaker: the operator sees the alert and the evidence, resets it and resumes', async ({
  page,
  context,
}) => {
  test.setTimeout(120_000);
  const slug = `e2e-loop-${Date.now().toString(36)}`;
  await trpcMutation(page.request, 'teams.save', { source: loopingTeam(slug) });

  await page.goto('/');
  await page.getByTestId('launch-run').first().click();
  const launch = page.getByRole('dialog');
  await launch.getByTestId('launch-team').selectOption(slug);
  await launch.getByTestId('launch-goal').fill('Polish the draft until it is right');
  await launch.getByTestId('launch-submit').click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').at(-1)!;

  // The trip: what tripped, why, the evidence (the calls themselves), what it holds.
  const alert = page.getByTestId('breaker-alert');
  await expect(alert).toBeVisible({ timeout: 45_000 });
  const open = alert.getByTestId('open-breaker');
  await expect(open).toHaveAttribute('data-breaker', 'cycle');
  await expect(open.getByTestId('breaker-title')).toHaveText('Circuit breaker “Loop” tripped');
  await expect(open.getByTestId('breaker-status')).toHaveText('Open');
  await expect(open.getByTestId('breaker-reason')).toContainText(
    'a cycle of 2 calls (fs.write → fs.read) repeated 3 times in a row by lead',
  );
  await expect(open.getByTestId('breaker-holds')).toHaveText('Paused: lead.');
  const evidence = open.getByTestId('breaker-evidence-item');
  await expect(evidence).toHaveCount(6);
  await expect(evidence.nth(0)).toContainText(
    'lead: fs.write {"content":"Draft: same as before.","path":"draft.md"}',
  );
  await expect(evidence.nth(1)).toContainText('lead: fs.read {"path":"draft.md"}');
  await expect(node(page, 'lead')).toHaveAttribute('data-agent-phase', 'paused');

  // Quarantined: nothing moves while the breaker is open.
  await expect
    .poll(
      async () => {
        const before = await eventCount(page);
        await page.waitForTimeout(750);
        return (await eventCount(page)) === before;
      },
      { timeout: 10_000 },
    )
    .toBe(true);
  const held = await eventCount(page);
  await page.waitForTimeout(2_000);
  expect(await eventCount(page)).toBe(held);
  // Resuming waits for a reset.
  await expect(alert.getByTestId('breaker-resume')).toBeDisabled();
  await scrollToTop(page);
  await page.screenshot({ path: path.join(artifacts, 'breaker-tripped.png'), fullPage: true });

  // The fleet shows the open breaker, live.
  const fleet = await context.newPage();
  await fleet.goto('/');
  await expect(fleet.getByTestId('kpi-breakers-value')).not.toHaveText('0');
  const row = fleet.locator(`[data-testid="fleet-row"][data-run-id="${runId}"]`);
  await expect(row.getByTestId('fleet-row-breakers')).toHaveAttribute('data-count', '1');

  // The breakers tab: each breaker's state and counter against its threshold.
  await page.getByTestId('tab-breakers').click();
  const cycleRow = page.locator('[data-testid="breaker-row"][data-breaker="cycle"]');
  await expect(cycleRow).toHaveAttribute('data-status', 'open');
  await expect(cycleRow.getByTestId('breaker-counter')).toHaveText('3 / 3');
  await expect(
    page.locator('[data-testid="breaker-row"][data-breaker="repeatedCall"]'),
  ).toHaveAttribute('data-status', 'closed');
  await page.screenshot({ path: path.join(artifacts, 'breakers-tab.png'), fullPage: true });

  // Reset, saying why.
  await open.getByTestId('breaker-reset').click();
  const dialog = page.getByRole('dialog');
  await expect(dialog).toContainText('Reset the “Loop” breaker?');
  await expect(dialog.getByTestId('breaker-reset-confirm')).toBeDisabled();
  await dialog.getByTestId('breaker-reset-reason').fill('e2e: two more rounds are fine');
  await dialog.getByTestId('breaker-reset-confirm').click();
  await expect(dialog).toBeHidden();
  await expect(alert.getByTestId('open-breaker')).toHaveCount(0);
  await expect(alert.getByTestId('breaker-reset-note')).toHaveText(
    `“Loop” was reset by ${ADMIN_EMAIL}: e2e: two more rounds are fine. `,
  );
  await expect(cycleRow).toHaveAttribute('data-status', 'closed');
  await expect(cycleRow.getByTestId('breaker-counter')).toHaveText('0 / 3');
  // Live on the fleet too.
  await expect(row.getByTestId('fleet-row-breakers')).toHaveCount(0);

  // Resume: the lead goes on from the log, finishes its two last calls and reports.
  await alert.getByTestId('breaker-resume').click();
  await expect(alert).toBeHidden();
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 45_000 });
  await expect(cycleRow).toHaveAttribute('data-status', 'closed');
  await page.getByTestId('run-view-log').click();
  await page.getByTestId('feed-filter-control').click();
  const feed = page.getByTestId('event-feed');
  await expect(feed).toContainText('Breaker "Loop" tripped');
  await expect(feed).toContainText(`Breaker "Loop" closed by ${ADMIN_EMAIL}`);
  await scrollToTop(page);
  await page.screenshot({
    path: path.join(artifacts, 'breaker-reset-resumed.png'),
    fullPage: true,
  });
  await fleet.close();
});

test('governance sets a team’s breaker defaults; a run of the team is held to them', async ({
  page,
}) => {
  const slug = `e2e-defaults-${Date.now().toString(36)}`;
  await trpcMutation(page.request, 'teams.save', { source: loopingTeam(slug) });
  await page.goto(`/teams/${slug}`);
  const card = page.getByTestId('team-breaker-defaults');
  await expect(card).toContainText('built-in defaults');
  await card.getByTestId('threshold-cycle-enabled').uncheck();
  await card.getByTestId('threshold-repeatedCall-max').fill('3');
  await card.getByTestId('team-breakers-save').click();
  // Saved: the card shows the new version (and who saved it).
  await expect(card).toContainText(`version 1 ·`);
  await expect(card).toContainText(`by user:${ADMIN_EMAIL}`);
  await page.reload();
  await expect(card.getByTestId('threshold-repeatedCall-max')).toHaveValue('3');
  await expect(card.getByTestId('threshold-cycle-enabled')).not.toBeChecked();
  await page.screenshot({
    path: path.join(artifacts, 'team-breaker-defaults.png'),
    fullPage: true,
  });

  // With the loop breaker off, the repeated-call breaker (3 times) stops the same loop.
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.spawn', {
    teamSlug: slug,
    goal: 'Loop again',
  });
  await page.goto(`/runs/${runId}`);
  const open = page.getByTestId('open-breaker');
  await expect(open).toHaveAttribute('data-breaker', 'repeatedCall', { timeout: 45_000 });
  await expect(open.getByTestId('breaker-reason')).toContainText('made 3 times by lead');
});
