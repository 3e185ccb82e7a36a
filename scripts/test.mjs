#!/usr/bin/env node
// `npm test`: every check, from a fresh clone. Installs what is missing (npm
// dependencies, Chromium), makes sure PostgreSQL and Redis answer, then runs
// lint, typecheck, unit and integration tests in every package (turbo), and the
// end-to-end browser tests against a freshly started stack, and a short chaos
// run (workers killed with SIGKILL mid-run; invariants checked).
import { ensureChromium, ensureDependencies, run } from './lib/deps.mjs';
import { ensureServices } from './lib/services.mjs';

try {
  await ensureServices({ redisUrl: process.env.REDIS_URL });
  ensureDependencies();
  ensureChromium();
  run('npx prettier --check . --log-level warn');
  run('npx turbo run lint typecheck test --output-logs=errors-only --concurrency=2');
  run('npm run --silent test:e2e');
  run('npm run --silent chaos -- --quick');
  console.log('\n[flightdeck] all checks passed');
} catch (error) {
  console.error(
    `\n[flightdeck] tests failed${error.message ? `: ${error.message.split('\n')[0]}` : ''}`,
  );
  process.exit(1);
}
