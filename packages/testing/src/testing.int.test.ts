import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, testDatabaseName, TEST_DATABASE_PREFIX } from './database';
import { deleteRedisKeys, redisUrl, uniqueRedisPrefix } from './redis';

describe('createTestDatabase', () => {
  it('creates an empty database of its own and drops it even while connected', async () => {
    const database = await createTestDatabase('Testing: Self Check');
    expect(database.name).toMatch(/^fdtest_testing_self_check_[a-z0-9]+_[0-9a-f]{10}$/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    client.on('error', () => undefined); // the forced drop ends this session
    const { rows } = await client.query<{ name: string; tables: number }>(
      `SELECT current_database() AS name, (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables`,
    );
    expect(rows).toEqual([{ name: database.name, tables: 0 }]);

    await database.drop();
    await database.drop(); // twice is fine
    await client.end().catch(() => undefined);
    const admin = new pg.Client({
      connectionString: database.url.replace(database.name, 'postgres'),
    });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });

  it('makes names unique and within PostgreSQL’s 63-character limit', () => {
    const long = testDatabaseName('x'.repeat(200));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long.startsWith(TEST_DATABASE_PREFIX)).toBe(true);
    expect(testDatabaseName('same')).not.toBe(testDatabaseName('same'));
    expect(testDatabaseName('!!!')).toMatch(/^fdtest_db_/);
  });
});

describe('Redis prefixes', () => {
  it('gives unique prefixes and deletes exactly the keys under one', async () => {
    const mine = uniqueRedisPrefix('Turns Queue');
    const theirs = uniqueRedisPrefix('Turns Queue');
    expect(mine).toMatch(/^fdtest:turns-queue:[0-9a-f]{10}$/);
    expect(mine).not.toBe(theirs);

    const redis = new Redis(redisUrl());
    try {
      await redis.mset(`${mine}:a`, '1', `${mine}:b:c`, '2', `${theirs}:a`, '3');
      expect(await deleteRedisKeys(mine)).toBe(2);
      expect(await redis.exists(`${mine}:a`, `${mine}:b:c`, `${theirs}:a`)).toBe(1);
      expect(await deleteRedisKeys(theirs)).toBe(1);
    } finally {
      redis.disconnect();
    }
    await expect(deleteRedisKeys('bull')).rejects.toThrow(/only deletes test keys/);
  });
});
