import type pg from 'pg';
import type { MigrationFile } from './files';

/**
 * Prisma's migration history table, kept with Prisma's own columns so that
 * Prisma tooling reads our history as its own.
 */
export const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"            VARCHAR(64) NOT NULL,
    "finished_at"         TIMESTAMPTZ,
    "migration_name"      VARCHAR(255) NOT NULL,
    "logs"                TEXT,
    "rolled_back_at"      TIMESTAMPTZ,
    "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export interface AppliedMigration {
  name: string;
  checksum: string;
  finished: boolean;
}

/** Migrations recorded in the database (rolled-back attempts excluded); none if the table is missing. */
export async function readAppliedMigrations(
  db: pg.ClientBase | pg.Pool,
): Promise<AppliedMigration[]> {
  const exists = await db.query<{ exists: boolean }>(
    `SELECT to_regclass('"_prisma_migrations"') IS NOT NULL AS "exists"`,
  );
  if (!exists.rows[0]?.exists) return [];
  const result = await db.query<{ migration_name: string; checksum: string; finished: boolean }>(
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished
       FROM "_prisma_migrations"
      WHERE rolled_back_at IS NULL
      ORDER BY started_at, migration_name`,
  );
  return result.rows.map((row) => ({
    name: row.migration_name,
    checksum: row.checksum,
    finished: row.finished,
  }));
}

export interface MigrationStatus {
  /** On disk, not yet applied, in the order they will be applied. */
  pending: MigrationFile[];
  /** Applied, but migration.sql has changed since. */
  changed: string[];
  /** Started and never finished (a failed `prisma migrate deploy`). */
  failed: string[];
  /** Applied, but not on disk (e.g. written by a newer version of the code). */
  unknown: string[];
  appliedCount: number;
}

export function compareMigrations(
  local: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): MigrationStatus {
  const appliedByName = new Map(applied.map((m) => [m.name, m]));
  const localNames = new Set(local.map((m) => m.name));
  return {
    pending: local.filter((m) => !appliedByName.has(m.name)),
    changed: local
      .filter((m) => {
        const record = appliedByName.get(m.name);
        return record?.finished === true && record.checksum !== m.checksum;
      })
      .map((m) => m.name),
    failed: applied.filter((m) => !m.finished).map((m) => m.name),
    unknown: applied.filter((m) => m.finished && !localNames.has(m.name)).map((m) => m.name),
    appliedCount: applied.filter((m) => m.finished).length,
  };
}

/** Why the database cannot be migrated as it stands, or null if it can. */
export function describeBlockingProblems(status: MigrationStatus): string | null {
  const problems: string[] = [];
  if (status.changed.length > 0) {
    problems.push(
      `applied migration(s) changed on disk since they were applied: ${status.changed.join(', ')}. ` +
        'Restore the original migration.sql and put the change in a new migration (npm run db:migration:new -- <name>).',
    );
  }
  if (status.failed.length > 0) {
    problems.push(
      `migration(s) started but never finished: ${status.failed.join(', ')}. ` +
        'Repair the database by hand, then mark the row in _prisma_migrations as rolled back (rolled_back_at = now()).',
    );
  }
  return problems.length > 0 ? problems.join(' ') : null;
}
