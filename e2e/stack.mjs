#!/usr/bin/env node
// The whole Flightdeck stack for end-to-end tests and benchmarks: a fresh
// database (dropped on exit), its own queue prefix, the web app built and
// started on E2E_PORT, and two worker processes. Stops everything on SIGTERM.
import { execSync, spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const port = process.env.E2E_PORT ?? '3199';
const database = `fd_e2e_${process.pid}_${Date.now()}`;
const adminUrl =
  process.env.E2E_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const databaseUrl = adminUrl.replace(/\/[^/]*$/, `/${database}`);
const workers = Number(process.env.E2E_WORKERS ?? 2);

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  FLIGHTDECK_QUEUE_PREFIX: `{fd-e2e-${process.pid}}`,
  FLIGHTDECK_WORKSPACE_ROOT: path.join(root, '.flightdeck', 'e2e-workspaces', database),
  HOST: '127.0.0.1',
  PORT: port,
  NODE_ENV: 'production',
};

const sh = (command) => execSync(command, { cwd: root, stdio: 'inherit', env });
sh('npm run --silent db:migrate');
sh('npx turbo run build --filter=@flightdeck/web --output-logs=errors-only');

// Each child leads its own process group, so stopping it stops npm, tsx and node beneath it.
const start = (workspace) =>
  spawn('npm', ['run', '--silent', 'start', '--workspace', workspace], {
    cwd: root,
    env,
    stdio: 'inherit',
    detached: true,
  });
const children = [
  start('@flightdeck/web'),
  ...Array.from({ length: workers }, () => start('@flightdeck/worker')),
];

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  await Promise.all(
    children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on('exit', r)))),
  );
  try {
    execSync(`psql "${adminUrl}" -q -c 'DROP DATABASE IF EXISTS "${database}" WITH (FORCE)'`, {
      stdio: 'ignore',
    });
  } catch {
    // The database stays behind; nothing else is affected.
  }
  process.exit(0);
}
for (const child of children) child.on('exit', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// If whoever started the stack dies without stopping it, stop anyway: no orphans.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    void stop();
  }
}, 1000).unref();
