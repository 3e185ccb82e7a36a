import { createServer } from 'node:net';
import type { TestDatabase } from '@flightdeck/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type Db } from './client';
import { isDatabaseUnavailableError } from './connection';
import { createMigratedTestDatabase } from './testing';
import { inTransaction } from './transaction';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createMigratedTestDatabase('unavailable');
  db = createDb({ databaseUrl: database.url, maxConnections: 4 });
});
afterAll(async () => {
  await db.close();
  await database.drop();
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 1;
}

describe('the database going away', () => {
  it('cuts a transaction between two queries without crashing the process; the pool goes on', async () => {
    const work = inTransaction(db.pool, async (client) => {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // PostgreSQL ends this session (as a shutdown does) while the transaction waits for something else.
      await db.pool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await new Promise((r) => setTimeout(r, 200));
      await client.query('SELECT 1');
    });
    const error = await work.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).not.toBeNull();
    expect(isDatabaseUnavailableError(error)).toBe(true);
    // The broken connection was discarded, not pooled.
    for (let i = 0; i < 6; i++) await expect(db.pool.query('SELECT 1')).resolves.toBeTruthy();
  });

  it('is told apart from a failed query, through pg and through Prisma', async () => {
    const port = await closedPort();
    const down = createDb({
      databaseUrl: `postgresql://postgres@127.0.0.1:${port}/nothing`,
      maxConnections: 1,
    });
    try {
      const raw = await down.pool.query('SELECT 1').catch((e: unknown) => e);
      expect(isDatabaseUnavailableError(raw)).toBe(true);
      const viaPrisma = await down.prisma.run.findFirst().catch((e: unknown) => e);
      expect(isDatabaseUnavailableError(viaPrisma)).toBe(true);
    } finally {
      await down.close();
    }
    const wrong = await db.pool.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(isDatabaseUnavailableError(wrong)).toBe(false);
    expect(isDatabaseUnavailableError(new Error('anything else'))).toBe(false);
  });
});
