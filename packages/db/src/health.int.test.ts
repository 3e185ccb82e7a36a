import { mkdir, mkdtemp, cp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase, type TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from './client';
import { checkDatabase } from './health';
import { DEFAULT_MIGRATIONS_DIR } from './migrations/files';
import { migrate } from './migrations/migrator';

let database: TestDatabase;
let migrationsDir: string;

beforeAll(async () => {
  database = await createTestDatabase('health');
  migrationsDir = await mkdtemp(path.join(tmpdir(), 'flightdeck-health-'));
  await cp(DEFAULT_MIGRATIONS_DIR, migrationsDir, { recursive: true });
});
afterAll(async () => {
  await database.drop();
  await rm(migrationsDir, { recursive: true, force: true });
});

describe('checkDatabase', () => {
  it('is not ready before migrations, ready after, and not ready when a new one appears', async () => {
    const db = createDb({ databaseUrl: database.url, maxConnections: 2 });
    try {
      expect(await checkDatabase(db, { migrationsDir })).toEqual({
        ok: false,
        reason: expect.stringMatching(
          /^\d+ migration\(s\) not applied \(\d{14}_init, .*\); run npm run db:migrate$/,
        ) as string,
      });
      await migrate(database.url, { migrationsDir });
      expect(await checkDatabase(db, { migrationsDir })).toEqual({ ok: true });

      await mkdir(path.join(migrationsDir, '99990101000000_next'));
      await writeFile(
        path.join(migrationsDir, '99990101000000_next', 'migration.sql'),
        'SELECT 1;\n',
      );
      expect(await checkDatabase(db, { migrationsDir })).toMatchObject({
        ok: false,
        reason: expect.stringContaining('99990101000000_next') as string,
      });
    } finally {
      await db.close();
    }
  });

  it('is not ready when PostgreSQL does not answer, and says so without throwing', async () => {
    const db = createDb({
      databaseUrl: 'postgresql://postgres@127.0.0.1:1/none',
      maxConnections: 1,
    });
    try {
      const check = await checkDatabase(db);
      expect(check).toMatchObject({
        ok: false,
        reason: expect.stringMatching(/^database unreachable: .*ECONNREFUSED/) as string,
      });
    } finally {
      await db.close();
    }
  });
});
