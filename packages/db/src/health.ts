import type { Db } from './client';
import { errorMessage } from './connection';
import { DEFAULT_MIGRATIONS_DIR, readMigrations } from './migrations/files';
import {
  compareMigrations,
  describeBlockingProblems,
  readAppliedMigrations,
} from './migrations/history';

export type DatabaseCheck = { ok: true } | { ok: false; reason: string };

export interface CheckDatabaseOptions {
  /** Give up (not ready) after this long. Default 2 s. */
  timeoutMs?: number;
  migrationsDir?: string;
}

/**
 * Readiness of the database for /readyz: reachable, and every migration on
 * disk applied (none changed, none half-applied). Never throws.
 */
export async function checkDatabase(
  db: Db,
  options: CheckDatabaseOptions = {},
): Promise<DatabaseCheck> {
  const { timeoutMs = 2_000, migrationsDir = DEFAULT_MIGRATIONS_DIR } = options;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<DatabaseCheck>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, reason: `database did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([inspect(db, migrationsDir), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function inspect(db: Db, migrationsDir: string): Promise<DatabaseCheck> {
  try {
    await db.pool.query('SELECT 1');
  } catch (error) {
    return { ok: false, reason: `database unreachable: ${errorMessage(error)}` };
  }
  try {
    const status = compareMigrations(
      await readMigrations(migrationsDir),
      await readAppliedMigrations(db.pool),
    );
    const blocking = describeBlockingProblems(status);
    if (blocking) return { ok: false, reason: blocking };
    if (status.pending.length > 0) {
      const names = status.pending.map((m) => m.name).join(', ');
      return {
        ok: false,
        reason: `${status.pending.length} migration(s) not applied (${names}); run npm run db:migrate`,
      };
    }
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `could not read the migration state: ${errorMessage(error)}` };
  }
}
