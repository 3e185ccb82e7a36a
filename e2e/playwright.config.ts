import { defineConfig } from '@playwright/test';
import { ADMIN_STATE } from './lib/state';

/** End-to-end tests in Chromium against the whole stack (web + 2 workers, fresh database). */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 3199);

export default defineConfig({
  testDir: 'tests',
  // Opens the stack's one-time setup link, creates the admin, and signs in (e2e/.state/admin.json).
  globalSetup: './global-setup.ts',
  outputDir: 'test-results',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: `http://127.0.0.1:${E2E_PORT}`,
    // Every test starts signed in as the admin; tests of other roles open their own contexts (lib/accounts.ts).
    storageState: ADMIN_STATE,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'node stack.mjs',
    url: `http://127.0.0.1:${E2E_PORT}/readyz`,
    timeout: 300_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
    env: { E2E_PORT: String(E2E_PORT) },
  },
});
