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

/**
 * SQLSTATEs of a server that is going away or not taking sessions: class 08
 * (connection exception), admin/crash shutdown, cannot connect now (starting
 * up, shutting down), too many connections.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/** Prisma's codes for a database it cannot reach, that timed out, closed the connection, or has no free connection. */
const UNAVAILABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);

/**
 * True when the error (or an error it wraps, through Prisma or a cause chain)
 * says the database is not available right now, rather than that the query
 * was wrong: unreachable, restarting, shutting down, a connection cut. Such a
 * failure is temporary: callers answer "unavailable" (HTTP 503) or retry.
 */
export function isDatabaseUnavailableError(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  if (error instanceof AggregateError)
    return error.errors.some((e) => isDatabaseUnavailableError(e, depth + 1));
  if (isUnreachableError(error)) return true;
  if (
    error instanceof Error &&
    /Connection terminated|Client has encountered a connection error/i.test(error.message)
  )
    return true;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') && code.length === 5) return true;
    if (UNAVAILABLE_SQLSTATES.has(code) || UNAVAILABLE_PRISMA_CODES.has(code)) return true;
  }
  const errorCode = (error as { errorCode?: unknown }).errorCode; // PrismaClientInitializationError
  if (typeof errorCode === 'string' && UNAVAILABLE_PRISMA_CODES.has(errorCode)) return true;
  return isDatabaseUnavailableError((error as { cause?: unknown }).cause, depth + 1);
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
