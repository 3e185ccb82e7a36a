import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test.use({ viewport: { width: 1440, height: 1000 } });

const total = async (page: Page, testId: string) =>
  Number(await page.getByTestId(testId).getAttribute('data-total'));
const usd = async (page: Page, testId: string) =>
  Number((await page.getByTestId(`${testId}-value`).textContent())?.replace(/[^0-9.]/g, '') ?? '0');

test('a finished team shows up on the costs page, by team, model and agent', async ({ page }) => {
  test.setTimeout(150_000);
  await page.goto('/');
  await page.getByTestId('launch-run').first().click();
  const launch = page.getByRole('dialog');
  // By name: a team another spec saved may sort first.
  await launch.getByTestId('launch-team').selectOption('demo-research');
  await launch.getByTestId('launch-goal').fill('Estimate what our agent fleet spends per team');
  await launch.getByTestId('launch-submit').click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  const runId = page.url().split('/').pop()!;
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 90_000 });

  await page.getByTestId('nav-costs').click();
  await page.waitForURL(/\/costs$/);
  await expect(page.getByTestId('costs-page')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Costs' })).toBeVisible();

  // KPIs: money was spent today and this month, tokens were used, a team leads.
  await expect.poll(() => usd(page, 'costs-kpi-today')).toBeGreaterThan(0);
  expect(await usd(page, 'costs-kpi-month')).toBeGreaterThanOrEqual(
    await usd(page, 'costs-kpi-today'),
  );
  await expect(page.getByTestId('costs-kpi-tokens-value')).not.toHaveText('0');
  await expect(page.getByTestId('costs-kpi-burn-rate-value')).not.toHaveText('$0.00/h');
  await expect(page.getByTestId('costs-kpi-top-team-value')).not.toHaveText('—');

  // Every chart draws bars for non-zero totals.
  for (const chart of ['chart-spend-over-time', 'chart-tokens-by-model', 'chart-cost-by-agent']) {
    await expect.poll(() => total(page, chart), { message: chart }).toBeGreaterThan(0);
    await expect(page.getByTestId(chart).locator('.recharts-bar-rectangle').first()).toBeVisible();
  }
  // The run's spend is in the table, linking to its page.
  const row = page
    .getByTestId('costs-run-row')
    .filter({ has: page.locator(`[href="/runs/${runId}"]`) });
  await expect(row).toBeVisible();
  // The app scrolls inside <main>: grow the window so the whole page is in the picture.
  await page.setViewportSize({ width: 1440, height: 1800 });
  await page.screenshot({ path: path.join(artifacts, 'costs.png'), fullPage: true });

  // The range switch and the team filter re-query.
  await page.getByTestId('costs-range-30d').click();
  await expect(page.getByTestId('costs-range-30d')).toHaveAttribute('aria-selected', 'true');
  await expect.poll(() => total(page, 'chart-spend-over-time')).toBeGreaterThan(0);
  const team = page.getByTestId('costs-team-filter');
  await team.selectOption({ index: 1 });
  await expect(page.getByTestId('costs-page')).toBeVisible();

  await page.emulateMedia({ colorScheme: 'dark' });
  await team.selectOption('');
  await page.getByTestId('costs-range-24h').click();
  await expect.poll(() => total(page, 'chart-cost-by-agent')).toBeGreaterThan(0);
  await page.screenshot({ path: path.join(artifacts, 'costs-dark.png'), fullPage: true });

  await row.getByRole('link').click();
  await page.waitForURL(new RegExp(`/runs/${runId}$`));
});
