import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';

/**
 * One handle on the database: the Prisma client for typed queries and the pg
 * pool it runs on, shared with the raw-SQL hot paths (the event store), so a
 * process holds one set of connections.
 */
export interface Db {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** Disconnects Prisma and ends the pool. Safe to call twice. */
  close(): Promise<void>;
}

export interface CreateDbOptions {
  databaseUrl: string;
  /** Pool size shared by Prisma and raw SQL. Default 10. */
  maxConnections?: number;
  /**
   * Called when an idle pooled connection breaks (e.g. PostgreSQL restarted).
   * The pool drops that connection and the next query opens a new one; queries
   * in flight fail with their own errors. Default: ignored.
   */
  onIdleConnectionError?: (error: Error) => void;
}

export function createDb(options: CreateDbOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.databaseUrl,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // Without a listener, an idle connection's error would crash the process.
  pool.on('error', options.onIdleConnectionError ?? (() => undefined));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closing: Promise<void> | undefined;
  return {
    prisma,
    pool,
    close() {
      closing ??= (async () => {
        await prisma.$disconnect();
        await pool.end();
      })();
      return closing;
    },
  };
}
