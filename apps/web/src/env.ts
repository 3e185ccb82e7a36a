import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The web app's configuration: the only place that reads process.env. Parsed
 * once at boot; a bad value stops the process with a message that names the
 * variable and what it should be.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The default audit checkpoint file: one per database (checkpoints of one
 * database's chain mean nothing for another's), under .flightdeck/audit.
 */
function defaultAuditCheckpointFile(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'postgres';
  return path.join(repoRoot, '.flightdeck', 'audit', `${name.replace(/[^\w.-]/g, '_')}.jsonl`);
}

const Url = (protocols: string[], example: string) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      `a ${protocols.map((p) => `${p}//`).join(' or ')} URL, e.g. ${example}`,
    );

const EnvSchema = z
  .object({
    DATABASE_URL: Url(
      ['postgresql:', 'postgres:'],
      'postgresql://postgres@127.0.0.1:5432/flightdeck',
    ).default('postgresql://postgres@127.0.0.1:5432/flightdeck'),
    REDIS_URL: Url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').default(
      'redis://127.0.0.1:6379',
    ),
    HOST: z
      .string()
      .trim()
      .min(1, 'a bind address, e.g. 127.0.0.1 or 0.0.0.0')
      .default('127.0.0.1'),
    PORT: z.coerce
      .number({ error: 'a TCP port number, e.g. 3000' })
      .int('a whole TCP port number, e.g. 3000')
      .min(1, 'a TCP port between 1 and 65535')
      .max(65535, 'a TCP port between 1 and 65535')
      .default(3000),
    FLIGHTDECK_QUEUE_PREFIX: z
      .string()
      .min(1, 'a BullMQ key prefix, hash-tagged for Redis Cluster, e.g. {fd}')
      .max(64)
      .default('{fd}'),
    FLIGHTDECK_WORKSPACE_ROOT: z
      .string()
      .min(1, 'a directory for run workspaces')
      .default(path.join(repoRoot, '.flightdeck/workspaces'))
      .transform((p) => path.resolve(repoRoot, p)),
    /** The audit chain's checkpoint file (JSON lines) that the audit page's verify reads. Default: one per database. */
    FLIGHTDECK_AUDIT_CHECKPOINT: z
      .string()
      .trim()
      .min(1, 'a file path for audit checkpoints')
      .optional(),
    NODE_ENV: z
      .enum(['development', 'production', 'test'], {
        error: 'one of development, production, test',
      })
      .default('development'),
    /** OTLP/HTTP collector base URL (/v1/traces is appended): run traces are exported only when it is set. */
    OTEL_EXPORTER_OTLP_ENDPOINT: Url(['http:', 'https:'], 'http://127.0.0.1:4318').optional(),
    /** key=value,key2=value2: a hosted backend's credentials. */
    OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
    /**
     * The origin browsers use to reach Flightdeck (behind a proxy, or a name other
     * than HOST:PORT). Default: http(s)://HOST:PORT. Links printed and cookies
     * checked use it.
     */
    FLIGHTDECK_PUBLIC_URL: Url(['http:', 'https:'], 'https://flightdeck.example.com').optional(),
    /** More origins allowed to open sockets and change state (comma-separated); the app's own always is. */
    FLIGHTDECK_ALLOWED_ORIGINS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const origins = (v ?? '')
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean);
        for (const origin of origins) {
          try {
            if (new URL(origin).origin === origin) continue;
          } catch {
            // reported below
          }
          ctx.addIssue({
            code: 'custom',
            message: `comma-separated origins like https://ops.example.com (bad: ${origin})`,
          });
        }
        return origins;
      }),
    /** Signs session cookies (32+ characters). Default: a random secret kept in .flightdeck/auth-secret. */
    FLIGHTDECK_AUTH_SECRET: z
      .string()
      .min(32, 'a random secret of at least 32 characters')
      .optional(),
    /** TLS certificate and key (PEM files): required to listen on anything but loopback. */
    TLS_CERT_FILE: z.string().min(1).optional(),
    TLS_KEY_FILE: z.string().min(1).optional(),
    /** Seconds between re-checks of each socket's session (a revoked one is disconnected). */
    SOCKET_SESSION_RECHECK_SECONDS: z.coerce
      .number({ error: 'a number of seconds, e.g. 30' })
      .int()
      .min(1)
      .max(60, 'at most 60: a revoked session must be cut within a minute')
      .default(30),
  })
  .transform((env) => ({
    ...env,
    FLIGHTDECK_AUDIT_CHECKPOINT: env.FLIGHTDECK_AUDIT_CHECKPOINT
      ? path.resolve(repoRoot, env.FLIGHTDECK_AUDIT_CHECKPOINT)
      : defaultAuditCheckpointFile(env.DATABASE_URL),
  }));

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parse the environment (process.env by default). Throws EnvError naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  // Empty strings mean "unset" (a blank line in a .env file), not "invalid".
  const cleaned = Object.fromEntries(
    Object.entries(source).filter(([, v]) => v !== undefined && v !== ''),
  );
  const result = EnvSchema.safeParse(cleaned);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(environment)';
    const got = shown(name, cleaned[name]);
    return `${name} should be ${issue.message}${got === undefined ? '' : ` (got ${got})`}`;
  });
  throw new EnvError(problems);
}

/** Never echoed, not even in a configuration error (boot errors go to logs). */
const SECRETS = new Set(['FLIGHTDECK_AUTH_SECRET', 'OTEL_EXPORTER_OTLP_HEADERS']);

/** A bad value as the boot error may show it: secrets hidden, URL credentials cut. */
function shown(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (SECRETS.has(name)) return 'a hidden value';
  return JSON.stringify(value.replace(/\/\/[^/@\s]*@/, '//***@'));
}

export const isDev = (env: Env): boolean => env.NODE_ENV !== 'production';

/** Where the auth secret is kept when FLIGHTDECK_AUTH_SECRET is not set. */
export const DEFAULT_AUTH_SECRET_FILE = path.join(repoRoot, '.flightdeck/auth-secret');
