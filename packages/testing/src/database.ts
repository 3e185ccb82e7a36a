import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { testEnv } from './env';

/** A database created for one test file, on the local test server. */
export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  name: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

/** Every test database name starts with this, so leftovers are easy to find. */
export const TEST_DATABASE_PREFIX = 'fdtest_';

const MAX_IDENTIFIER_LENGTH = 63;

/**
 * Creates a uniquely named, empty database for one test file. `label` (e.g.
 * the file's subject) only makes the name readable in `\l`; uniqueness comes
 * from the process id and random bytes.
 */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = testDatabaseName(label);
  await withAdminClient(async (client) => {
    await client.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  });
  const url = new URL(testEnv().testDatabaseUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    name,
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdminClient(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      });
    },
  };
}

export function testDatabaseName(label: string): string {
  const unique = `_${process.pid.toString(36)}_${randomBytes(5).toString('hex')}`;
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const room = MAX_IDENTIFIER_LENGTH - TEST_DATABASE_PREFIX.length - unique.length;
  return `${TEST_DATABASE_PREFIX}${slug.slice(0, room) || 'db'}${unique}`;
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = testEnv().testDatabaseUrl;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `Cannot reach the test PostgreSQL server at ${redactUrl(url)} (${errorMessage(error)}). ` +
        'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: error },
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function redactUrl(value: string): string {
  const url = new URL(value);
  if (url.password) url.password = '***';
  return url.toString();
}

function errorMessage(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(errorMessage).join('; ');
  return error instanceof Error ? error.message || error.name : String(error);
}
