import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type FullConfig } from '@playwright/test';
import { randomPassword } from './lib/accounts';
import {
  ADMIN_CREDENTIALS,
  ADMIN_EMAIL,
  ADMIN_STATE,
  ARTIFACTS_DIR,
  SETUP_LINK_FILE,
  STATE_DIR,
} from './lib/state';

/**
 * First run, as a person does it: open the one-time setup link the server
 * printed, create the admin with a fresh random password, and keep the
 * session for the tests (storageState).
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  mkdirSync(STATE_DIR, { recursive: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const deadline = Date.now() + 60_000;
  while (!existsSync(SETUP_LINK_FILE)) {
    if (Date.now() > deadline)
      throw new Error(`the stack printed no setup link (${SETUP_LINK_FILE})`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const link = readFileSync(SETUP_LINK_FILE, 'utf8').trim();
  const credentials = { email: ADMIN_EMAIL, password: randomPassword() };

  const use = config.projects[0]?.use ?? {};
  const browser = await chromium.launch(use.launchOptions);
  try {
    const page = await browser.newPage();
    await page.goto(link);
    await page.getByLabel('Your name').fill('E2E Admin');
    await page.getByLabel('Email').fill(credentials.email);
    await page.getByLabel(/^Password \(/).fill(credentials.password);
    await page.getByLabel('Password again').fill(credentials.password);
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'setup-first-admin.png') });
    await page.getByTestId('new-account-submit').click();
    await page.getByTestId('user-id').filter({ hasText: credentials.email }).waitFor();
    await page.context().storageState({ path: ADMIN_STATE });
    writeFileSync(ADMIN_CREDENTIALS, JSON.stringify(credentials), { mode: 0o600 });
  } finally {
    await browser.close();
  }
}
