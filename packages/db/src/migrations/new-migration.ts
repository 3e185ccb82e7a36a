import { access, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DEFAULT_MIGRATIONS_DIR,
  MIGRATION_SQL,
  readMigrations,
  SCHEMA_PATH,
  SCHEMA_SNAPSHOT,
} from './files';
import { diffSchemas } from './schema-diff';

export interface NewMigrationInput {
  /** Words of the migration's name, e.g. `add run tags`; normalized to `add_run_tags`. */
  name: string;
  schemaPath?: string;
  migrationsDir?: string;
  serverUrl?: string;
  now?: Date;
}

export type NewMigrationResult =
  | { written: true; name: string; directory: string; sql: string }
  | { written: false; reason: string };

/**
 * Writes prisma/migrations/<timestamp>_<name>/ with the SQL that takes the
 * database from the latest migration's schema snapshot (or from nothing, for
 * the first) to the current schema, and a snapshot of the current schema for
 * the next one. Writes nothing when there is no change.
 */
export async function writeNewMigration(input: NewMigrationInput): Promise<NewMigrationResult> {
  const {
    schemaPath = SCHEMA_PATH,
    migrationsDir = DEFAULT_MIGRATIONS_DIR,
    now = new Date(),
  } = input;
  const slug = migrationSlug(input.name);
  const migrations = await readMigrations(migrationsDir);
  const latest = migrations.at(-1);
  const fromSchemaPath = latest ? path.join(latest.directory, SCHEMA_SNAPSHOT) : null;
  if (fromSchemaPath && !(await exists(fromSchemaPath))) {
    throw new Error(
      `The latest migration ${latest?.name} has no ${SCHEMA_SNAPSHOT} snapshot to diff from. ` +
        `Put the schema as of that migration at ${fromSchemaPath} (e.g. from git history).`,
    );
  }

  const diff = await diffSchemas({
    fromSchemaPath,
    toSchemaPath: schemaPath,
    serverUrl: input.serverUrl,
  });
  if (diff.empty) {
    return {
      written: false,
      reason: latest
        ? `prisma/schema.prisma needs no SQL beyond migration ${latest.name}; nothing written.`
        : 'prisma/schema.prisma declares nothing; nothing written.',
    };
  }

  const name = `${migrationTimestamp(now, latest?.name)}_${slug}`;
  const directory = path.join(migrationsDir, name);
  await mkdir(migrationsDir, { recursive: true });
  await mkdir(directory); // fails rather than overwrite an existing migration
  await writeFile(path.join(directory, MIGRATION_SQL), diff.sql);
  await copyFile(schemaPath, path.join(directory, SCHEMA_SNAPSHOT));
  await writeFile(
    path.join(migrationsDir, 'migration_lock.toml'),
    '# Written by npm run db:migration:new (Prisma layout).\nprovider = "postgresql"\n',
  );
  return { written: true, name, directory, sql: diff.sql };
}

export function migrationSlug(name: string): string {
  const slug = name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug)
    throw new Error(
      `"${name}" is not a usable migration name: use letters, digits and underscores`,
    );
  if (slug.length > 200) throw new Error('A migration name must be at most 200 characters');
  return slug;
}

/** UTC YYYYMMDDHHMMSS like Prisma, at least a second after the latest migration's. */
export function migrationTimestamp(now: Date, latestName?: string): string {
  const d = /^\d{14}/.exec(latestName ?? '')?.[0];
  const latest = d
    ? Date.parse(
        `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(8, 10)}:${d.slice(10, 12)}:${d.slice(12)}Z`,
      )
    : NaN;
  const nowSeconds = Math.floor(now.getTime() / 1000) * 1000;
  const at = Number.isNaN(latest) ? nowSeconds : Math.max(nowSeconds, latest + 1000);
  return new Date(at).toISOString().replace(/\D/g, '').slice(0, 14);
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
