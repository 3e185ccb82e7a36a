import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The web app's configuration: the only place that reads process.env. Parsed
 * once at boot; a bad value stops the process with a message that names the
 * variable and what it should be.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

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

const EnvSchema = z.object({
  DATABASE_URL: Url(
    ['postgresql:', 'postgres:'],
    'postgresql://postgres@127.0.0.1:5432/flightdeck',
  ).default('postgresql://postgres@127.0.0.1:5432/flightdeck'),
  REDIS_URL: Url(['redis:', 'rediss:'], 'redis://127.0.0.1:6379').default('redis://127.0.0.1:6379'),
  HOST: z.string().trim().min(1, 'a bind address, e.g. 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
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
  NODE_ENV: z
    .enum(['development', 'production', 'test'], { error: 'one of development, production, test' })
    .default('development'),
  /** OTLP/HTTP collector base URL (/v1/traces is appended): run traces are exported only when it is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: Url(['http:', 'https:'], 'http://127.0.0.1:4318').optional(),
  /** key=value,key2=value2: a hosted backend's credentials. */
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(),
});

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
    const got = cleaned[name];
    return `${name} should be ${issue.message}${got === undefined ? '' : ` (got "${got}")`}`;
  });
  throw new EnvError(problems);
}

export const isDev = (env: Env): boolean => env.NODE_ENV !== 'production';
