import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { trpcMutation } from '../lib/accounts';
import { ADMIN_EMAIL } from '../lib/state';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1600, height: 1000 } });

/**
 * A small team on a small budget: the lead delegates to a worker that takes
 * four steps, eight model calls in all. The run's budget stops it at four
 * (and warns at two); the simulated model is slowed (2 s a call) so a person
 * can watch the gauge fill, and so the page, even opened late on a loaded
 * machine, sees the run part-way (a CI run at 900 ms a call opened it after
 * the fourth call).
 */
function smallBudgetTeam(slug: string): string {
  return `
name: ${slug}
description: A lead and a worker on a budget of four model calls.
lead: lead
agents:
  lead:
    role: Plans the work and writes the report
    model: simulated/gpt-4o-mini
    tools: [delegate, fs.write, fs.list]
    delegates: [worker]
  worker:
    role: Does the work in a few steps
    model: simulated/gpt-4o-mini
    tools: [fs.write, fs.list]
simulation: { latencyMs: 2000, errorRate: 0, minSteps: 4, maxSteps: 4 }
policy:
  rules:
    - { id: all, tool: '*', effect: allow }
budget:
  llmCalls: { soft: 2, hard: 4 }
  usd: 5
`;
}

const gauge = (page: Page, scope: string, metric: string) =>
  page.getByTestId(`budget-gauge-${scope}-${metric}`);
const usedOf = async (page: Page, scope: string, metric: string) =>
  Number(await gauge(page, scope, metric).getAttribute('data-used'));
const eventCount = async (page: Page) =>
  Number(await page.getByTestId('event-feed').getAttribute('data-count'));
const llmCalls = async (page: Page) =>
  Number(
    (await page.getByTestId('stat-llm-calls').locator('div').nth(1).textContent())?.replace(
      /\D/g,
      '',
    ),
  );
const scrollToTop = (page: Page) =>
  page
    .locator('main')
    .evaluate((el: { scrollTo(x: number, y: number): void }) => el.scrollTo(0, 0));

test('a run on a small budget: the gauge fills live, the hard limit stops it before its next call, the operator raises it and resumes', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const slug = `small-budget-${Date.now().toString(36)}`;
  await trpcMutation(page.request, 'teams.save', { source: smallBudgetTeam(slug) });
  const { runId } = await trpcMutation<{ runId: string }>(page.request, 'runs.spawn', {
    teamSlug: slug,
    goal: 'Summarise three budget policies',
  });

  await page.goto(`/runs/${runId}?tab=budget`);
  await expect(page.getByTestId('run-budget')).toBeVisible();
  const calls = gauge(page, 'run', 'llmCalls');
  await expect(calls).toHaveAttribute('data-hard', '4');
  await expect(calls).toHaveAttribute('data-soft', '2');

  // The gauge fills live: seen part-way (at least one call, short of the limit) while running.
  await expect
    .poll(async () => usedOf(page, 'run', 'llmCalls'), { timeout: 30_000, intervals: [100] })
    .toBeGreaterThanOrEqual(1);
  const partWay = await usedOf(page, 'run', 'llmCalls');
  expect(partWay).toBeLessThan(4);
  await expect(page.getByTestId('run-status')).toHaveText(/running/i);
  // The form shows the limits in force (the manifest's), in people's units.
  await expect(page.getByTestId('run-budget-llmCalls-hard')).toHaveValue('4');
  await expect(page.getByTestId('run-budget-llmCalls-soft')).toHaveValue('2');
  await expect(page.getByTestId('run-budget-usd-hard')).toHaveValue('5');
  await scrollToTop(page);
  await page.screenshot({ path: path.join(artifacts, 'budget-gauge-filling.png'), fullPage: true });

  // The hard limit stops it before its fifth call: paused, with a banner that says why and how to go on.
  const banner = page.getByTestId('budget-stop-banner');
  await expect(banner).toBeVisible({ timeout: 60_000 });
  await expect(banner).toContainText('Stopped by its budget');
  await expect(banner).toContainText('model calls hard limit 4 model calls reached');
  await expect(banner).toContainText('raise the budget, then resume');
  await expect(page.getByTestId('run-status')).toHaveText(/paused/i);
  await expect(calls).toHaveAttribute('data-used', '4');
  await expect(calls.getByTestId('budget-projection')).toHaveText('limit reached');
  await expect(page.getByTestId('budget-stop-panel')).toBeVisible();
  // The soft limit warned on the way.
  await expect(page.getByTestId('budget-history')).toContainText(
    'Soft limit: the run used 2 model calls',
  );

  // Nothing more is dispatched while it is stopped.
  await page.getByTestId('run-view-log').click();
  await expect
    .poll(
      async () => {
        const before = await eventCount(page);
        await page.waitForTimeout(750);
        return (await eventCount(page)) === before;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  const stoppedEvents = await eventCount(page);
  await page.waitForTimeout(2_500);
  expect(await eventCount(page)).toBe(stoppedEvents);
  expect(await llmCalls(page)).toBe(4);
  await page.getByTestId('feed-filter-budget').click();
  await expect(page.getByTestId('event-feed')).toContainText('budget.exceeded');
  await expect(page.getByTestId('event-feed')).toContainText('budget.warned');
  await page.getByTestId('feed-filter-all').click();
  await scrollToTop(page);
  await page.screenshot({ path: path.join(artifacts, 'budget-stopped.png'), fullPage: true });

  // The operator raises the budget from the banner's link (recorded as budget.changed), then resumes.
  await page.getByTestId('raise-budget').click();
  await expect(page.getByTestId('run-budget-form')).toBeVisible();
  await expect(page.getByTestId('run-budget-llmCalls-hard')).toHaveValue('4');
  await page.getByTestId('run-budget-llmCalls-hard').fill('40');
  await page.getByTestId('run-budget-reason').fill('e2e: worth finishing');
  await page.screenshot({ path: path.join(artifacts, 'budget-raise.png'), fullPage: true });
  await page.getByTestId('run-budget-save').click();
  await expect(calls).toHaveAttribute('data-hard', '40');
  await expect(page.getByTestId('budget-history')).toContainText(`Budget set by ${ADMIN_EMAIL}`);
  await expect(page.getByTestId('budget-history')).toContainText(
    'model calls ≤ 40 model calls (warn at 2 model calls) · e2e: worth finishing',
  );
  // Still stopped until someone resumes it.
  await expect(banner).toBeVisible();
  await page.getByTestId('budget-resume-run').click();
  await expect(banner).toBeHidden();

  // It goes on past the old limit, and finishes.
  await expect.poll(() => usedOf(page, 'run', 'llmCalls'), { timeout: 30_000 }).toBeGreaterThan(4);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 90_000 });
  expect(await usedOf(page, 'run', 'llmCalls')).toBeLessThanOrEqual(40);
  await scrollToTop(page);
  await page.screenshot({
    path: path.join(artifacts, 'budget-resumed-completed.png'),
    fullPage: true,
  });
});

test('a team’s day and month budgets are set on the team page and shown against today’s use', async ({
  page,
}) => {
  const slug = `team-budget-${Date.now().toString(36)}`;
  await trpcMutation(page.request, 'teams.save', { source: smallBudgetTeam(slug) });
  await page.goto(`/teams/${slug}`);
  const card = page.getByTestId('team-budgets');
  await expect(card).toContainText('none set');
  await page.getByTestId('team-budget-day-usd-soft').fill('1.5');
  await page.getByTestId('team-budget-day-usd-hard').fill('2');
  await page.getByTestId('team-budget-month-tokens-hard').fill('5000000');
  await page.getByTestId('team-budget-save').click();
  await expect(card).toContainText('version 1');
  const day = card.locator('[data-testid^="budget-scope-team:day:"]');
  await expect(day.locator('[data-testid$="-usd"]')).toHaveAttribute('data-hard', '2000000');
  await expect(day.locator('[data-testid$="-usd"]')).toHaveAttribute('data-soft', '1500000');
  await expect(
    card.locator('[data-testid^="budget-scope-team:month:"] [data-testid$="-tokens"]'),
  ).toHaveAttribute('data-hard', '5000000');
  // A soft limit above the hard one is refused before it is sent.
  await page.getByTestId('team-budget-day-usd-soft').fill('3');
  await page.getByTestId('team-budget-save').click();
  await expect(card.getByRole('alert')).toContainText(
    'the soft limit must not exceed the hard limit',
  );
  await page.screenshot({ path: path.join(artifacts, 'team-budgets.png'), fullPage: true });
});
