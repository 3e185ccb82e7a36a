import type { ChildProcess } from 'node:child_process';
import { execSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDatabase, migrate } from '@flightdeck/db';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { randomBytes } from 'node:crypto';
import {
  completeSetup,
  createApiToken,
  createEngine,
  createSetupTokenIfNoAdmin,
  type Engine,
} from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { repoRoot, startApp, stopAll } from './processes';

/** A whole Flightdeck on this machine for a benchmark: own database, own queue prefix, web and workers. */
export interface Stack {
  engine: Engine;
  env: Record<string, string>;
  baseUrl: string | null;
  /** Every web instance's URL (the first is `baseUrl`). */
  baseUrls: string[];
  /** An operator's API token for the web API and sockets (`Authorization: Bearer`, socket `auth.token`). */
  token: string;
  /** The admin the stack created (random password), for a browser that signs in. */
  admin: { email: string; password: string };
  workers: ChildProcess[];
  /** The web instances' processes, in the order of `baseUrls`. */
  webs: ChildProcess[];
  stop(): Promise<void>;
}

export async function startStack(options: {
  label: string;
  workers: number;
  web: boolean;
  /** Web instances to start when `web` is set (default 1), on consecutive ports. */
  webInstances?: number;
  port?: number;
  workerEnv?: Record<string, string>;
  /** Env of every process (web and workers), e.g. shorter intervals. */
  env?: Record<string, string>;
  /**
   * Servers of the stack's own (a chaos scenario that stops them): a PostgreSQL
   * server's URL (the stack's database is created and migrated on it, and left
   * there) and a Redis URL. Default: the machine's shared servers.
   */
  servers?: { postgresUrl?: string; redisUrl?: string };
  /** Each process's output goes to `<logDir>/<app>-<n>.log` (default: discarded). */
  logDir?: string;
}): Promise<Stack> {
  const database = options.servers?.postgresUrl
    ? await migratedDatabaseOn(options.servers.postgresUrl, options.label)
    : await createMigratedTestDatabase(options.label);
  const port = options.port ?? 3300 + Math.floor(Math.random() * 500);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: options.servers?.redisUrl ?? redisUrl(),
    FLIGHTDECK_QUEUE_PREFIX: `{${uniqueRedisPrefix(options.label)}}`,
    FLIGHTDECK_WORKSPACE_ROOT: path.join(
      await mkdtemp(path.join(tmpdir(), `fd-${options.label}-`)),
      'workspaces',
    ),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const engine = await createEngine({
    databaseUrl: env.DATABASE_URL!,
    redisUrl: env.REDIS_URL!,
    queuePrefix: env.FLIGHTDECK_QUEUE_PREFIX!,
    workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT!,
  });
  // No default credentials: an admin with a random password, and an operator token for the benchmark's calls.
  const admin = {
    email: 'bench@flightdeck.local',
    password: randomBytes(24).toString('base64url'),
  };
  const setupToken = await createSetupTokenIfNoAdmin(engine);
  if (!setupToken) throw new Error('a fresh stack database already has an admin');
  await completeSetup(engine, { token: setupToken, name: 'Benchmark', ...admin });
  const { secret: token } = await createApiToken(engine, {
    name: options.label,
    roles: ['operator'],
    teams: 'all',
    by: { actor: { kind: 'user', id: admin.email }, roles: ['admin'], teams: 'all' },
  });
  const children: ChildProcess[] = [];
  const baseUrls: string[] = [];
  const webs: ChildProcess[] = [];
  if (options.web) {
    execSync('npx turbo run build --filter=@flightdeck/web --output-logs=errors-only', {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    for (let i = 0; i < (options.webInstances ?? 1); i++) {
      const instancePort = String(port + i);
      webs.push(
        startApp(
          'web',
          { ...env, PORT: instancePort, NODE_ENV: 'production' },
          { quiet: true, logFile: logFileOf(options.logDir, `web-${i}`) },
        ),
      );
      baseUrls.push(`http://127.0.0.1:${instancePort}`);
    }
  }
  const workers = Array.from({ length: options.workers }, (_, i) =>
    startApp(
      'worker',
      { ...env, ...options.workerEnv },
      { quiet: true, logFile: logFileOf(options.logDir, `worker-${i}`) },
    ),
  );
  children.push(...webs, ...workers);
  for (const url of baseUrls) await waitForReady(`${url}/readyz`);
  await new Promise((r) => setTimeout(r, 1500)); // workers connect and subscribe
  return {
    engine,
    env,
    baseUrl: baseUrls[0] ?? null,
    baseUrls,
    token,
    admin,
    workers,
    webs,
    async stop() {
      await stopAll(children);
      await Promise.all(Object.values(engine.queues).map((q) => q.obliterate({ force: true })));
      await engine.close();
      await database.drop();
    },
  };
}

function logFileOf(dir: string | undefined, name: string): string | undefined {
  return dir ? path.join(dir, `${name}.log`) : undefined;
}

/** A migrated database on a server of the stack's own; the server goes with it, so `drop` leaves it. */
async function migratedDatabaseOn(serverUrl: string, label: string) {
  const url = new URL(serverUrl);
  url.pathname = `/flightdeck_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
  await ensureDatabase(url.toString());
  await migrate(url.toString());
  return { url: url.toString(), drop: () => Promise.resolve() };
}

async function waitForReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not become ready`);
}
