import { appendFile, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@flightdeck/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, SCHEMA_PATH } from './migrations/files';
import { migrate, MigrationError } from './migrations/migrator';
import { diffSchemas } from './migrations/schema-diff';
import { catalogDifference, describeCatalog, HAND_WRITTEN_INDEXES } from './test/catalog';

const databases: TestDatabase[] = [];
async function freshDatabase(label: string): Promise<TestDatabase> {
  const database = await createTestDatabase(label);
  databases.push(database);
  return database;
}
afterAll(async () => {
  await Promise.all(databases.map((database) => database.drop()));
});

async function query<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe('migrations and prisma/schema.prisma', () => {
  it('build the same database (no drift)', async () => {
    const [migrated, fromSchema] = await Promise.all([
      freshDatabase('drift_migrations'),
      freshDatabase('drift_schema'),
    ]);
    const [, diff] = await Promise.all([
      migrate(migrated.url),
      diffSchemas({ fromSchemaPath: null, toSchemaPath: SCHEMA_PATH, serverUrl: fromSchema.url }),
    ]);
    await query(fromSchema.url, diff.sql);

    const difference = catalogDifference(
      {
        label: 'the database built by prisma/migrations',
        lines: await describeCatalog(migrated.url),
      },
      {
        label: 'the database built from prisma/schema.prisma',
        lines: await describeCatalog(fromSchema.url),
      },
    );
    expect(
      difference,
      `prisma/migrations and prisma/schema.prisma disagree. Write a migration for the schema change ` +
        `(npm run db:migration:new -- <name>), never edit an applied one.\n${difference}`,
    ).toBeNull();
    // A WebAssembly schema diff of the whole schema: seconds when quiet, more than 30 s on a busy 2-core machine.
  }, 120_000);

  it('create the indexes written by hand, which the drift check leaves out', async () => {
    const database = await freshDatabase('hand_written_indexes');
    await migrate(database.url);
    const rows = await query<{ indexname: string }>(
      database.url,
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND indexname = ANY($1::text[])`,
      [HAND_WRITTEN_INDEXES],
    );
    expect(rows.map((r) => r.indexname).sort()).toEqual([...HAND_WRITTEN_INDEXES].sort());
  });
});

describe('migrate', () => {
  it('is idempotent: a second run applies nothing', async () => {
    const database = await freshDatabase('migrate_twice');
    const first = await migrate(database.url);
    const second = await migrate(database.url);
    const onDisk = (await readdir(DEFAULT_MIGRATIONS_DIR, { withFileTypes: true })).filter((e) =>
      e.isDirectory(),
    );
    expect(first.applied).toHaveLength(onDisk.length);
    expect(second).toEqual({ applied: [], alreadyApplied: onDisk.length, unknown: [] });
    const rows = await query<{
      migration_name: string;
      applied_steps_count: number;
      finished: boolean;
    }>(
      database.url,
      'SELECT migration_name, applied_steps_count, finished_at IS NOT NULL AS finished FROM _prisma_migrations',
    );
    expect(rows.map((row) => row.migration_name).sort()).toEqual(first.applied);
    expect(rows.every((row) => row.finished && row.applied_steps_count === 1)).toBe(true);
  });

  it('is safe when several processes start together: each migration is applied once', async () => {
    const database = await freshDatabase('migrate_concurrent');
    const results = await Promise.all(Array.from({ length: 5 }, () => migrate(database.url)));
    const appliedNames = results.flatMap((result) => result.applied);
    expect(new Set(appliedNames).size).toBe(appliedNames.length);
    expect(results.filter((result) => result.applied.length > 0)).toHaveLength(1);
    const rows = await query<{ count: number }>(
      database.url,
      'SELECT count(*)::int AS count FROM _prisma_migrations',
    );
    expect(rows[0]?.count).toBe(appliedNames.length);
  });

  describe('with a copy of the migrations', () => {
    let migrationsDir: string;
    beforeEach(async () => {
      migrationsDir = await mkdtemp(path.join(tmpdir(), 'flightdeck-migrations-'));
      await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
    });
    afterEach(async () => {
      await rm(migrationsDir, { recursive: true, force: true });
    });

    it('refuses to run when an applied migration has changed, naming it', async () => {
      const database = await freshDatabase('migrate_changed');
      const { applied } = await migrate(database.url, { migrationsDir });
      const first = applied[0] ?? '';
      await appendFile(
        path.join(migrationsDir, first, 'migration.sql'),
        '\n-- an edit after the fact\n',
      );

      const refusal = migrate(database.url, { migrationsDir });
      await expect(refusal).rejects.toThrow(MigrationError);
      await expect(refusal).rejects.toThrow(
        new RegExp(`changed on disk since they were applied: ${first}`),
      );
    });

    it('rolls back a failing migration entirely and says where it failed', async () => {
      const database = await freshDatabase('migrate_failing');
      const name = '99990101000000_broken';
      await mkdir(path.join(migrationsDir, name));
      await writeFile(
        path.join(migrationsDir, name, 'migration.sql'),
        'CREATE TABLE half_done (id int);\n\nINSERT INTO no_such_table VALUES (1);\n',
      );

      await expect(migrate(database.url, { migrationsDir })).rejects.toThrow(
        /Migration 99990101000000_broken failed at line 3 of .*migration\.sql and was rolled back: relation "no_such_table" does not exist/,
      );
      const leftovers = await query<{ name: string | null; recorded: number }>(
        database.url,
        `SELECT to_regclass('half_done')::text AS name,
                (SELECT count(*)::int FROM _prisma_migrations WHERE migration_name = '${name}') AS recorded`,
      );
      expect(leftovers).toEqual([{ name: null, recorded: 0 }]);
    });
  });
});
