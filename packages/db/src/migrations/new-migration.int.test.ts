import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from './files';
import { migrate } from './migrator';
import { writeNewMigration } from './new-migration';

describe('writeNewMigration', () => {
  let workDir: string;
  let schemaPath: string;
  let migrationsDir: string;
  let database: TestDatabase;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'flightdeck-new-migration-'));
    schemaPath = path.join(workDir, 'schema.prisma');
    migrationsDir = path.join(workDir, 'migrations');
    await writeFile(schemaPath, await readFile(SCHEMA_PATH, 'utf8'));
    database = await createTestDatabase('new_migration');
  });
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true });
    await database.drop();
  });

  const write = (name: string, now: Date) =>
    writeNewMigration({ name, schemaPath, migrationsDir, serverUrl: database.url, now });

  it('writes the first migration from nothing, then only the change, and refuses an empty one', async () => {
    const first = await write('Init', new Date('2026-01-02T03:04:05Z'));
    expect(first).toMatchObject({ written: true, name: '20260102030405_init' });
    expect(first.written && first.sql).toContain('CREATE TABLE "runs"');

    const unchanged = await write('nothing', new Date('2026-01-03T00:00:00Z'));
    expect(unchanged).toEqual({
      written: false,
      reason: expect.stringContaining('20260102030405_init') as string,
    });

    const schema = await readFile(schemaPath, 'utf8');
    await writeFile(
      schemaPath,
      schema.replace('  goal            String\n', '  goal            String\n  label String?\n'),
    );
    // A clock behind the latest migration still sorts the new one after it.
    const second = await write('add run label', new Date('2025-12-31T00:00:00Z'));
    expect(second).toMatchObject({ written: true, name: '20260102030406_add_run_label' });
    expect(second.written && second.sql.trim()).toMatch(
      /^-- AlterTable\nALTER TABLE "runs" ADD COLUMN\s+"label" TEXT;$/,
    );

    const folders = await readdir(migrationsDir);
    expect(folders.sort()).toEqual([
      '20260102030405_init',
      '20260102030406_add_run_label',
      'migration_lock.toml',
    ]);
    expect(
      await readFile(
        path.join(migrationsDir, '20260102030406_add_run_label', 'schema.prisma'),
        'utf8',
      ),
    ).toBe(await readFile(schemaPath, 'utf8'));

    const result = await migrate(database.url, { migrationsDir });
    expect(result.applied).toEqual(['20260102030405_init', '20260102030406_add_run_label']);
    // Three WebAssembly schema diffs of the whole schema: about 25 s on a quiet 2-core machine, more on a busy one.
  }, 120_000);
});
