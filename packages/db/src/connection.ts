import pg from 'pg';

/** Helpers for talking about database connections in error messages. */

export const START_POSTGRES_HINT =
  'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start';

/** The URL without its password, for messages and logs. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '<unparseable database URL>';
  }
}

/** The database name a postgresql:// URL points at. */
export function databaseNameOf(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`The database URL ${redactUrl(databaseUrl)} names no database`);
  return name;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'EAI_AGAIN',
]);

/** True when the error says the server could not be reached at all (not an SQL error). */
export function isUnreachableError(error: unknown): boolean {
  if (error instanceof AggregateError) return error.errors.some(isUnreachableError);
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return /timeout expired|Connection terminated/i.test(error.message);
}

/** A PostgreSQL error code (SQLSTATE) if the error carries one. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.code : undefined;
}

/** The constraint a PostgreSQL error names (unique, foreign key, check …), if any. */
export function violatedConstraint(error: unknown): string | undefined {
  return error instanceof pg.DatabaseError ? error.constraint : undefined;
}

export function errorMessage(error: unknown): string {
  if (error instanceof AggregateError)
    return error.errors.map(errorMessage).join('; ') || 'connection failed';
  return error instanceof Error ? error.message || error.name : String(error);
}

export class DatabaseUnreachableError extends Error {
  constructor(databaseUrl: string, cause: unknown) {
    super(
      `Cannot reach PostgreSQL at ${redactUrl(databaseUrl)} (${errorMessage(cause)}). ${START_POSTGRES_HINT}`,
      { cause },
    );
    this.name = 'DatabaseUnreachableError';
  }
}
