import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Migrations live in Prisma's layout: prisma/migrations/<timestamp>_<name>/
 * migration.sql, applied in name order. Next to each migration.sql is
 * schema.prisma, the schema as of that migration, from which the next
 * migration is diffed (see cli/migration-new.ts).
 */
export interface MigrationFile {
  /** The folder name, e.g. `20261122173000_init`; recorded as migration_name. */
  name: string;
  sql: string;
  /** sha256 of migration.sql in hex, as Prisma records it. */
  checksum: string;
  directory: string;
}

export const MIGRATION_SQL = 'migration.sql';
export const SCHEMA_SNAPSHOT = 'schema.prisma';

const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** prisma/migrations of this repository. */
export const DEFAULT_MIGRATIONS_DIR = path.join(repositoryRoot, 'prisma', 'migrations');
/** prisma/schema.prisma of this repository: the source of truth. */
export const SCHEMA_PATH = path.join(repositoryRoot, 'prisma', 'schema.prisma');

export function checksumOf(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** Every migration folder, sorted by name. A folder without migration.sql is an error. */
export async function readMigrations(
  migrationsDir = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationFile[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw error;
  });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const directory = path.join(migrationsDir, name);
      const file = path.join(directory, MIGRATION_SQL);
      const bytes = await readFile(file).catch((error: unknown) => {
        throw new Error(`Migration folder ${directory} has no ${MIGRATION_SQL}`, { cause: error });
      });
      return { name, sql: bytes.toString('utf8'), checksum: checksumOf(bytes), directory };
    }),
  );
}
