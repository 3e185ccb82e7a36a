#!/usr/bin/env node
// The whole Flightdeck stack for end-to-end tests and benchmarks: a fresh
// database (dropped on exit), its own queue prefix, the web app built and
// started on E2E_PORT, and two worker processes. Stops everything on SIGTERM.
import { execSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const port = process.env.E2E_PORT ?? '3199';
const database = `fd_e2e_${process.pid}_${Date.now()}`;
const adminUrl =
  process.env.E2E_ADMIN_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const workers = Number(process.env.E2E_WORKERS ?? 2);
// No default credentials: the web server prints a one-time setup link, which is
// written here for Playwright's global setup to open (e2e/global-setup.ts).
const stateDir = process.env.E2E_STATE_DIR ?? path.join(root, 'e2e', '.state');
const setupLinkFile = path.join(stateDir, 'setup-link');
mkdirSync(stateDir, { recursive: true });
rmSync(setupLinkFile, { force: true });

// Secret canaries, fresh on every start: e2e/tests/secrets.spec.ts checks that none of
// them shows up anywhere a person, a model or another process could read it.
const canary = (kind) => `CANARY-${kind}-${randomBytes(16).toString('hex')}`;
const canaries = {
  OPENAI_API_KEY: canary('openai'),
  ANTHROPIC_API_KEY: canary('anthropic'),
  FLIGHTDECK_AUTH_SECRET: canary('auth'),
  // PostgreSQL's trust auth ignores the password, so it may be anything.
  DATABASE_PASSWORD: canary('database'),
  // No server-side secret store for tools exists yet (MCP servers get only their
  // manifest's env, http.fetch drops credentials): the place a tool credential
  // sits today is the worker's environment.
  GITHUB_TOKEN: canary('tool'),
};
const databaseUrl = (() => {
  const url = new URL(adminUrl.replace(/\/[^/]*$/, `/${database}`));
  url.password = canaries.DATABASE_PASSWORD;
  return url.toString();
})();
// Every line the stack's processes print, one file each (and still on this process's output).
const logDir = path.join(stateDir, 'logs');
rmSync(logDir, { recursive: true, force: true });
mkdirSync(logDir, { recursive: true });
const queuePrefix = `{fd-e2e-${process.pid}}`;
const workspaceRoot = path.join(root, '.flightdeck', 'e2e-workspaces', database);
const auditCheckpoint = path.join(root, '.flightdeck', 'e2e-audit', `${database}.jsonl`);
writeFileSync(
  path.join(stateDir, 'canaries.json'),
  JSON.stringify({
    canaries,
    database,
    databaseUrl: adminUrl.replace(/\/[^/]*$/, `/${database}`),
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    queuePrefix,
    logDir,
    workspaceRoot,
    auditCheckpoint,
  }),
  { mode: 0o600 },
);

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  FLIGHTDECK_QUEUE_PREFIX: queuePrefix,
  FLIGHTDECK_WORKSPACE_ROOT: workspaceRoot,
  FLIGHTDECK_AUDIT_CHECKPOINT: auditCheckpoint,
  HOST: '127.0.0.1',
  PORT: port,
  NODE_ENV: 'production',
  OPENAI_API_KEY: canaries.OPENAI_API_KEY,
  ANTHROPIC_API_KEY: canaries.ANTHROPIC_API_KEY,
  FLIGHTDECK_AUTH_SECRET: canaries.FLIGHTDECK_AUTH_SECRET,
  GITHUB_TOKEN: canaries.GITHUB_TOKEN,
};

const setupLog = path.join(logDir, 'setup.log');
const sh = (command) => {
  const result = spawnSync(command, {
    cwd: root,
    env,
    shell: true,
    stdio: 'pipe',
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const [stream, out] of [
    [process.stdout, result.stdout],
    [process.stderr, result.stderr],
  ]) {
    if (!out?.length) continue;
    stream.write(out);
    appendFileSync(setupLog, out);
  }
  if (result.status !== 0) throw new Error(`${command} failed (${result.status ?? result.signal})`);
};
sh('npm run --silent db:migrate');
sh('npx turbo run build --filter=@flightdeck/web --output-logs=errors-only');

// Each child leads its own process group, so stopping it stops npm, tsx and node beneath it.
// Its output is copied to logs/<name>.log.
const start = (workspace, name) => {
  const child = spawn('npm', ['run', '--silent', 'start', '--workspace', workspace], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const log = createWriteStream(path.join(logDir, `${name}.log`));
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    log.write(chunk);
  });
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
    log.write(chunk);
  });
  return child;
};
const web = start('@flightdeck/web', 'web');
let pending = '';
web.stdout.on('data', (chunk) => {
  pending += chunk.toString('utf8');
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) {
    const link = /Open (http\S+\/setup\?token=\S+) to create the first admin/.exec(line)?.[1];
    if (link) writeFileSync(setupLinkFile, link, { mode: 0o600 });
  }
});
const children = [
  web,
  ...Array.from({ length: workers }, (_, i) => start('@flightdeck/worker', `worker-${i + 1}`)),
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
  // Its audit checkpoints go with it.
  rmSync(env.FLIGHTDECK_AUDIT_CHECKPOINT, { force: true });
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
