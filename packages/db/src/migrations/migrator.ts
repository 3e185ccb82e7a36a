import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  DatabaseUnreachableError,
  errorMessage,
  isUnreachableError,
  redactUrl,
  sqlState,
} from '../connection';
import { DEFAULT_MIGRATIONS_DIR, readMigrations, type MigrationFile } from './files';
import {
  compareMigrations,
  CREATE_MIGRATIONS_TABLE,
  describeBlockingProblems,
  readAppliedMigrations,
} from './history';

export interface MigrateOptions {
  /** Defaults to this repository's prisma/migrations. */
  migrationsDir?: string;
  /** How long to wait for another migrator holding the lock. Default 60 s. */
  lockTimeoutMs?: number;
  /** Progress lines (one per applied migration). Default: silent. */
  log?: (line: string) => void;
}

export interface MigrateResult {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** How many were applied before this call. */
  alreadyApplied: number;
  /** Applied migrations not found on disk: the database is ahead of this code. */
  unknown: string[];
}

/** The same advisory lock key as Prisma Migrate, so our migrator and Prisma's never run together. */
const MIGRATION_LOCK_KEY = 72707369;

export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/**
 * Brings the database to the latest migration. Safe to call from several
 * processes at once: they serialize on a PostgreSQL advisory lock, and the
 * later ones find nothing pending. Each migration runs in its own transaction
 * together with its history row, so a failed migration leaves no trace.
 * Refuses (MigrationError) when an applied migration's file has changed.
 * The database must exist (see ensureDatabase).
 */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const {
    migrationsDir = DEFAULT_MIGRATIONS_DIR,
    lockTimeoutMs = 60_000,
    log = () => undefined,
  } = options;
  const migrations = await readMigrations(migrationsDir);
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (error) {
    if (isUnreachableError(error)) throw new DatabaseUnreachableError(databaseUrl, error);
    throw new MigrationError(
      `Cannot connect to ${redactUrl(databaseUrl)}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  client.on('error', () => undefined); // a dropped connection surfaces as a failed query below
  try {
    await acquireMigrationLock(client, lockTimeoutMs);
    try {
      return await applyPending(client, migrations, log);
    } finally {
      // Ending the session below releases the lock too; unlocking first just frees it sooner.
      await client
        .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
        .catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function acquireMigrationLock(client: pg.Client, timeoutMs: number): Promise<void> {
  await client.query(`SET lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    if (sqlState(error) === '55P03') {
      throw new MigrationError(
        `Another migration has held the migration lock for more than ${timeoutMs} ms; is a migrator stuck?`,
        { cause: error },
      );
    }
    throw error;
  } finally {
    await client.query('RESET lock_timeout');
  }
}

async function applyPending(
  client: pg.Client,
  migrations: readonly MigrationFile[],
  log: (line: string) => void,
): Promise<MigrateResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const status = compareMigrations(migrations, await readAppliedMigrations(client));
  const blocking = describeBlockingProblems(status);
  if (blocking) throw new MigrationError(`Refusing to migrate: ${blocking}`);

  const applied: string[] = [];
  for (const migration of status.pending) {
    const started = performance.now();
    await applyOne(client, migration);
    applied.push(migration.name);
    log(`applied ${migration.name} in ${Math.round(performance.now() - started)} ms`);
  }
  return { applied, alreadyApplied: status.appliedCount, unknown: status.unknown };
}

async function applyOne(client: pg.Client, migration: MigrationFile): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(migration.sql);
    // now() is when the transaction began, clock_timestamp() is the present.
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, now(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new MigrationError(
      `Migration ${migration.name} failed${whereInFile(migration, error)} and was rolled back: ${errorMessage(error)}`,
      { cause: error },
    );
  }
}

/** " at line N of …/migration.sql" when PostgreSQL reports a position. */
function whereInFile(migration: MigrationFile, error: unknown): string {
  const position = error instanceof pg.DatabaseError ? Number(error.position) : NaN;
  if (!Number.isInteger(position) || position < 1) return '';
  const line = migration.sql.slice(0, position - 1).split('\n').length;
  return ` at line ${line} of ${migration.directory}/migration.sql`;
}
