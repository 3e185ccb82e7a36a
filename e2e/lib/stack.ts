import type { ChildProcess } from 'node:child_process';
import { execSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMigratedTestDatabase } from '@flightdeck/db/testing';
import { createEngine, type Engine } from '@flightdeck/engine';
import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { repoRoot, startApp, stopAll } from './processes';

/** A whole Flightdeck on this machine for a benchmark: own database, own queue prefix, web and workers. */
export interface Stack {
  engine: Engine;
  env: Record<string, string>;
  baseUrl: string | null;
  workers: ChildProcess[];
  stop(): Promise<void>;
}

export async function startStack(options: {
  label: string;
  workers: number;
  web: boolean;
  port?: number;
  workerEnv?: Record<string, string>;
}): Promise<Stack> {
  const database = await createMigratedTestDatabase(options.label);
  const port = options.port ?? 3300 + Math.floor(Math.random() * 500);
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl(),
    FLIGHTDECK_QUEUE_PREFIX: `{${uniqueRedisPrefix(options.label)}}`,
    FLIGHTDECK_WORKSPACE_ROOT: path.join(
      await mkdtemp(path.join(tmpdir(), `fd-${options.label}-`)),
      'workspaces',
    ),
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  const engine = await createEngine({
    databaseUrl: env.DATABASE_URL!,
    redisUrl: env.REDIS_URL!,
    queuePrefix: env.FLIGHTDECK_QUEUE_PREFIX!,
    workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT!,
  });
  const children: ChildProcess[] = [];
  if (options.web) {
    execSync('npx turbo run build --filter=@flightdeck/web --output-logs=errors-only', {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    children.push(startApp('web', { ...env, NODE_ENV: 'production' }, { quiet: true }));
  }
  const workers = Array.from({ length: options.workers }, () =>
    startApp('worker', { ...env, ...options.workerEnv }, { quiet: true }),
  );
  children.push(...workers);
  const baseUrl = options.web ? `http://127.0.0.1:${port}` : null;
  if (baseUrl) await waitForReady(`${baseUrl}/readyz`);
  await new Promise((r) => setTimeout(r, 1500)); // workers connect and subscribe
  return {
    engine,
    env,
    baseUrl,
    workers,
    async stop() {
      await stopAll(children);
      await Promise.all(Object.values(engine.queues).map((q) => q.obliterate({ force: true })));
      await engine.close();
      await database.drop();
    },
  };
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
