import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from '@playwright/test';

/** Screenshots are kept as evidence of what an operator sees. */
const artifacts = path.join(import.meta.dirname, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

test('the workspace tab shows the files the team wrote, and each change as a diff', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1600, height: 1000 });
  await page.goto('/');
  await page.getByTestId('launch-run').first().click();
  const dialog = page.getByRole('dialog');
  // By name: a team another spec saved may sort first.
  await dialog.getByTestId('launch-team').selectOption('demo-research');
  await dialog.getByTestId('launch-goal').fill('Compare vector databases for agent memory');
  await dialog.getByTestId('launch-submit').click();
  await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('run-status')).toHaveText(/completed/i, { timeout: 60_000 });

  // The files: report.md and at least one note.
  await page.getByTestId('tab-workspace').click();
  await expect(page.getByTestId('tab-workspace')).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/[?&]tab=workspace/);
  const report = page.locator('[data-testid="workspace-file"][data-path="report.md"]');
  await expect(report).toBeVisible();
  await expect(
    page.locator('[data-testid="workspace-file"][data-path^="notes/"]').first(),
  ).toBeVisible();

  // report.md's content, from disk.
  await report.click();
  const viewer = page.getByTestId('workspace-viewer');
  await expect(viewer).toHaveAttribute('data-path', 'report.md');
  // The simulated lead titles the report with the goal's topic (stop words dropped).
  await expect(viewer.locator('tr').first()).toContainText(/# Compare vector databases/);
  await expect(viewer).toContainText('## Finding 1');

  // Its change: the lead created it, every line added.
  const change = page.getByTestId('workspace-change').first();
  await change.click();
  await expect(change).toHaveAttribute('aria-current', 'true');
  await expect(page.locator('[data-testid="diff-line"][data-kind="add"]').first()).toBeVisible();
  await expect(page.locator('[data-testid="diff-line"][data-kind="add"]').first()).toContainText(
    '# Compare vector databases',
  );
  expect(await page.locator('[data-testid="diff-line"][data-kind="del"]').count()).toBe(0);
  await page.screenshot({ path: path.join(artifacts, 'workspace.png'), fullPage: true });

  // From the log: an fs.write row links to its change.
  await page.getByTestId('run-view-log').click();
  await page.getByTestId('feed-filter-tool').click();
  const link = page.getByTestId('event-diff-link').first();
  const scroller = page.getByTestId('event-feed-scroll');
  await expect
    .poll(
      async () => {
        if (await link.isVisible()) return true;
        await scroller.evaluate((el: { scrollBy(x: number, y: number): void }) =>
          el.scrollBy(0, -240),
        );
        return false;
      },
      { timeout: 15_000 },
    )
    .toBe(true);
  const row = page.getByTestId('event-row').filter({ has: link }).first();
  const seq = await row.getAttribute('data-seq');
  expect(seq).toMatch(/^\d+$/);
  await expect(row).toHaveAttribute('data-type', 'tool.call.dispatched');
  await row.getByTestId('event-diff-link').click();

  await expect(page.getByTestId('tab-workspace')).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(new RegExp(`[?&]change=${seq}(&|$)`));
  await expect(page.locator(`[data-testid="workspace-change"][data-seq="${seq}"]`)).toHaveAttribute(
    'aria-current',
    'true',
  );
  await expect(page.locator(`[data-testid="workspace-diff"][data-seq="${seq}"]`)).toBeVisible();
  await expect(page.locator('[data-testid="diff-line"][data-kind="add"]').first()).toBeVisible();

  // The link survives a reload.
  await page.reload();
  await expect(page.locator(`[data-testid="workspace-diff"][data-seq="${seq}"]`)).toBeVisible();
});
