import pg from 'pg';
import { withDatabaseName } from './env';
import {
  databaseNameOf,
  DatabaseUnreachableError,
  errorMessage,
  isUnreachableError,
  redactUrl,
  sqlState,
} from './connection';

/**
 * Creates the database a URL names if it does not exist yet, connecting to the
 * server's `postgres` database to do so. Returns whether it created it.
 * Throws DatabaseUnreachableError (with how to start PostgreSQL) when the
 * server does not answer.
 */
export async function ensureDatabase(databaseUrl: string): Promise<{ created: boolean }> {
  const name = databaseNameOf(databaseUrl);
  const maintenanceUrl = withDatabaseName(databaseUrl, 'postgres');
  const client = new pg.Client({
    connectionString: maintenanceUrl,
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
  } catch (error) {
    if (isUnreachableError(error)) throw new DatabaseUnreachableError(databaseUrl, error);
    throw new Error(
      `Cannot connect to ${redactUrl(maintenanceUrl)} to create "${name}": ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount) return { created: false };
    try {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      return { created: true };
    } catch (error) {
      // Another process created it between our check and our CREATE.
      const state = sqlState(error);
      if (state === '42P04' || state === '23505') return { created: false };
      throw error;
    }
  } finally {
    await client.end();
  }
}
