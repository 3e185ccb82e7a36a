import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The default audit checkpoint file: one per database (checkpoints of one
 * database's chain mean nothing for another's), under .flightdeck/audit.
 */
export function defaultAuditCheckpointFile(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'postgres';
  return path.join(repoRoot, '.flightdeck', 'audit', `${name.replace(/[^\w.-]/g, '_')}.jsonl`);
}

/**
 * The database package's configuration; the only file here that reads
 * process.env. Apps pass URLs in explicitly (createDb, migrate); this is read
 * by the package's own CLIs and by the Prisma 6 config that writes migrations.
 */
const PostgresUrl = z.url({
  protocol: /^postgres(ql)?$/,
  error: 'must be a postgresql:// URL, e.g. postgresql://postgres@127.0.0.1:5432/flightdeck',
});

const DbEnv = z.object({
  DATABASE_URL: PostgresUrl.default('postgresql://postgres@127.0.0.1:5432/flightdeck'),
  /**
   * A database the Prisma 6 schema engine may connect to while it diffs two
   * schema files (it only asks the server's version). Defaults to the
   * `postgres` database on DATABASE_URL's server.
   */
  SCHEMA_DIFF_DATABASE_URL: PostgresUrl.optional(),
  /** The audit checkpoint file (JSON lines) that `npm run audit:verify` checks the chain against. */
  FLIGHTDECK_AUDIT_CHECKPOINT: z.string().min(1).optional(),
});

export interface DbEnv {
  databaseUrl: string;
  schemaDiffDatabaseUrl: string;
  auditCheckpointFile: string;
}

export function readDbEnv(): DbEnv {
  const result = DbEnv.safeParse({
    DATABASE_URL: process.env.DATABASE_URL || undefined,
    SCHEMA_DIFF_DATABASE_URL: process.env.SCHEMA_DIFF_DATABASE_URL || undefined,
    FLIGHTDECK_AUDIT_CHECKPOINT: process.env.FLIGHTDECK_AUDIT_CHECKPOINT || undefined,
  });
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ');
    throw new Error(`Invalid database configuration: ${problems}`);
  }
  const { DATABASE_URL, SCHEMA_DIFF_DATABASE_URL, FLIGHTDECK_AUDIT_CHECKPOINT } = result.data;
  return {
    databaseUrl: DATABASE_URL,
    auditCheckpointFile: FLIGHTDECK_AUDIT_CHECKPOINT
      ? path.resolve(repoRoot, FLIGHTDECK_AUDIT_CHECKPOINT)
      : defaultAuditCheckpointFile(DATABASE_URL),
    schemaDiffDatabaseUrl: SCHEMA_DIFF_DATABASE_URL ?? withDatabaseName(DATABASE_URL, 'postgres'),
  };
}

/** The same server URL, naming another database. */
export function withDatabaseName(databaseUrl: string, database: string): string {
  const url = new URL(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/**
 * The environment for a Prisma CLI child process: ours, plus what keeps it
 * offline. Prisma wants engine files it never uses for what we ask of it;
 * pointing these variables at any existing file (node itself) stops the
 * downloads. Values already set by the user win.
 */
export function offlinePrismaCliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: process.env.PRISMA_QUERY_ENGINE_LIBRARY || process.execPath,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
    CHECKPOINT_DISABLE: '1',
    ...extra,
  };
}
