import path from 'node:path';
import { expect, test } from '@playwright/test';
import { ARTIFACTS_DIR } from '../lib/state';

test.use({ viewport: { width: 1440, height: 1000 } });

test('an admin edits a price and adds a model on the Prices page: a new version, kept and audited', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByTestId('nav-prices').click();
  await page.waitForURL(/\/settings\/prices$/);
  await expect(page.getByRole('heading', { name: 'Prices' })).toBeVisible();
  const version = page.getByTestId('prices-version');
  const before = (await version.textContent())!.trim();
  const save = page.getByTestId('prices-save');
  await expect(save).toBeDisabled();

  // Edit a model no demo team uses, so other tests' costs are untouched.
  const gpt5 = page.locator('[data-testid="price-row"][data-model="gpt-5"]');
  await gpt5.getByTestId('price-input').fill('1.5');
  await gpt5.getByTestId('price-output').fill('12');

  // A bad price is refused before it is sent.
  await page.getByTestId('prices-add').click();
  const added = page.getByTestId('price-row').last();
  await added.getByTestId('price-model').fill('e2e-model');
  await added.getByTestId('price-input').fill('-1');
  await expect(added.getByTestId('price-row-error')).toContainText('not negative');
  await expect(save).toBeDisabled();
  await added.getByTestId('price-input').fill('3');
  await added.getByTestId('price-output').fill('4.25');
  await expect(added.getByTestId('price-row-error')).toHaveCount(0);

  await save.click();
  await expect(version).not.toHaveText(before);
  const after = (await version.textContent())!.trim();
  expect(after).toMatch(/^\d{4}-\d\d-\d\d\.\d+$/);
  const newest = page.getByTestId('price-version').first();
  await expect(newest).toHaveAttribute('data-version', after);
  await expect(newest).toContainText('current');
  await expect(newest).toContainText('admin@e2e.test');
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'prices.png'), fullPage: true });

  // Kept: after a reload, and for the server's next model calls.
  await page.reload();
  await expect(version).toHaveText(after);
  await expect(
    page.locator('[data-testid="price-row"][data-model="gpt-5"]').getByTestId('price-input'),
  ).toHaveValue('1.5');
  await expect(
    page.locator('[data-testid="price-row"][data-model="e2e-model"]').getByTestId('price-output'),
  ).toHaveValue('4.25');
  const current = await page.request.get('/api/trpc/prices.current');
  expect(
    ((await current.json()) as { result: { data: { version: string } } }).result.data.version,
  ).toBe(after);

  // Saving is a governance act: on the audit trail.
  await page.goto('/audit');
  await page.getByTestId('audit-action-filter').selectOption('prices.saved');
  const row = page.getByTestId('audit-row').filter({ hasText: after }).first();
  await expect(row).toContainText(`Price table ${after}`);
  await expect(row).toContainText('admin@e2e.test');
});
