// Install dependencies from the lockfile when they are missing or stale, and
// generate the Prisma client. Node built-ins only: runs before `npm ci`.
import { execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..', '..');
const stamp = path.join(root, 'node_modules', '.flightdeck-lock-hash');

export function run(command, options = {}) {
  execSync(command, { cwd: root, stdio: 'inherit', ...options });
}

export function ensureDependencies() {
  const lock = readFileSync(path.join(root, 'package-lock.json'));
  const hash = createHash('sha256').update(lock).digest('hex');
  const installed = existsSync(stamp) ? readFileSync(stamp, 'utf8') : '';
  if (installed !== hash) {
    console.log('[setup] installing dependencies from package-lock.json (npm ci)');
    run('npm ci --no-audit --no-fund');
    writeFileSync(stamp, hash);
  }
  run('npm run --silent db:generate');
}

export function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return;
  console.log(
    '[setup] Chromium is missing; installing it with apt-get (Debian package "chromium")',
  );
  try {
    run('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
      shell: '/bin/bash',
    });
  } catch {
    throw new Error(
      'Chromium is required for the browser tests: install it with `apt-get install -y chromium` (as root).',
    );
  }
}
