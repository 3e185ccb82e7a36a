import { checkReadiness, createEngine, type Engine, redactUrl } from '@flightdeck/engine';
import type { Env } from '../src/env';

export const HOW_TO_START_POSTGRES =
  'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

export class BootError extends Error {
  override name = 'BootError';
}

/**
 * Connect to Redis and PostgreSQL, or explain what is missing and how to fix it.
 * The engine's own Redis probe already names the URL and the start command.
 */
export async function connectEngine(env: Env): Promise<Engine> {
  let engine: Engine;
  try {
    engine = await createEngine({
      databaseUrl: env.DATABASE_URL,
      redisUrl: env.REDIS_URL,
      queuePrefix: env.FLIGHTDECK_QUEUE_PREFIX,
      workspaceRoot: env.FLIGHTDECK_WORKSPACE_ROOT,
      auditCheckpointFile: env.FLIGHTDECK_AUDIT_CHECKPOINT,
    });
  } catch (error) {
    throw new BootError(error instanceof Error ? error.message : String(error));
  }
  const ready = await checkReadiness(engine).catch((error: unknown) => ({
    ok: false as const,
    reason: error instanceof Error ? error.message : String(error),
  }));
  if (!ready.ok) {
    await engine.close().catch(() => undefined);
    const url = redactUrl(env.DATABASE_URL);
    throw new BootError(
      [
        `PostgreSQL is not ready at ${url}: ${ready.reason}`,
        'If PostgreSQL is not running, start it with:',
        `  ${HOW_TO_START_POSTGRES}`,
        'If the database is missing or behind the schema, create and migrate it with:',
        '  npm run db:migrate',
        'or set DATABASE_URL to a reachable, migrated database.',
      ].join('\n'),
    );
  }
  return engine;
}
