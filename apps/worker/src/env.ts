import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProviderConfig } from '@flightdeck/agents';
import { parseOtlpHeaders } from '@flightdeck/telemetry';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The default audit checkpoint file: one per database (checkpoints of one
 * database's chain mean nothing for another's), under .flightdeck/audit.
 */
function defaultAuditCheckpointFile(databaseUrl: string): string {
  const name = decodeURIComponent(new URL(databaseUrl).pathname.slice(1)) || 'postgres';
  return path.join(repoRoot, '.flightdeck', 'audit', `${name.replace(/[^\w.-]/g, '_')}.jsonl`);
}

/** Unset and empty are the same: `OPENAI_API_KEY=` in a .env file configures nothing. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    schema.optional(),
  );
const apiRoot = (example: string) =>
  z.url({
    protocol: /^https?$/,
    error: `an http(s) URL of the API root, with its /v1, such as ${example}`,
  });

/** Never echoed, not even in a configuration error. */
const SECRETS = new Set(['OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OTEL_EXPORTER_OTLP_HEADERS']);

/** The worker's configuration: the only place it reads process.env. */
const Env = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(
        /^postgres(ql)?:\/\//,
        'a PostgreSQL URL such as postgresql://postgres@127.0.0.1:5432/flightdeck',
      )
      .default('postgresql://postgres@127.0.0.1:5432/flightdeck'),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'a Redis URL such as redis://127.0.0.1:6379')
      .default('redis://127.0.0.1:6379'),
    FLIGHTDECK_QUEUE_PREFIX: z.string().min(1).default('{fd}'),
    FLIGHTDECK_WORKSPACE_ROOT: z
      .string()
      .min(1)
      .default(path.join(repoRoot, '.flightdeck', 'workspaces')),
    /** The audit chain's checkpoint file (JSON lines), kept outside PostgreSQL. Default: one per database. */
    FLIGHTDECK_AUDIT_CHECKPOINT: optional(z.string().trim().min(1)),
    /** How often the audit chain's head is checkpointed (when it moved). */
    AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
    /** How long a turn's lock lasts without renewal: a worker that died is noticed after about this long. */
    WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).max(600_000).default(15_000),
    RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(15_000),
    /** Base URL of the web app as people reach it: links in webhook notifications point there. */
    FLIGHTDECK_PUBLIC_URL: z
      .url({
        protocol: /^https?$/,
        error: "the web app's base URL, such as https://flightdeck.example.com",
      })
      .default('http://127.0.0.1:3000'),
    /** Webhook deliveries this worker sends at once. */
    WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(10),
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    // Model providers: each is offered only when its key is set. Keys stay in this process.
    OPENAI_API_KEY: optional(z.string().trim()),
    /** An OpenAI-compatible endpoint (Ollama http://127.0.0.1:11434/v1, vLLM, LM Studio, OpenRouter …); its key may be any placeholder if it needs none. */
    OPENAI_BASE_URL: optional(apiRoot('https://api.openai.com/v1 or http://127.0.0.1:11434/v1')),
    ANTHROPIC_API_KEY: optional(z.string().trim()),
    ANTHROPIC_BASE_URL: optional(apiRoot('https://api.anthropic.com/v1')),
    /** OTLP/HTTP collector base URL (/v1/traces is appended): run traces are exported only when it is set. */
    OTEL_EXPORTER_OTLP_ENDPOINT: optional(
      z.url({
        protocol: /^https?$/,
        error: 'an OTLP/HTTP collector base URL, such as http://127.0.0.1:4318',
      }),
    ),
    /** key=value,key2=value2: a hosted backend's credentials. */
    OTEL_EXPORTER_OTLP_HEADERS: optional(
      z.string().refine((v) => {
        try {
          parseOtlpHeaders(v);
          return true;
        } catch {
          return false;
        }
      }, 'comma-separated key=value pairs'),
    ),
  })
  .transform((env) => ({
    ...env,
    FLIGHTDECK_AUDIT_CHECKPOINT: env.FLIGHTDECK_AUDIT_CHECKPOINT
      ? path.resolve(repoRoot, env.FLIGHTDECK_AUDIT_CHECKPOINT)
      : defaultAuditCheckpointFile(env.DATABASE_URL),
  }));
export type WorkerEnv = z.infer<typeof Env>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) =>
        `  ${i.path.join('.')}: ${i.message} (got ${shown(String(i.path[0]), source[String(i.path[0])])})`,
    );
    throw new Error(`Invalid worker configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** A bad value as the boot error may show it: secrets hidden, URL credentials cut. */
function shown(name: string, value: string | undefined): string {
  if (value !== undefined && SECRETS.has(name)) return 'a hidden value';
  return JSON.stringify(value?.replace(/\/\/[^/@\s]*@/, '//***@'));
}

/**
 * The model providers this worker offers, from its configuration. OpenAI's own
 * API is spoken through the Responses API; any other base URL is taken for an
 * OpenAI-compatible server and spoken to through Chat Completions.
 */
export function providerConfig(env: WorkerEnv): ProviderConfig {
  return {
    openai: env.OPENAI_API_KEY
      ? {
          apiKey: env.OPENAI_API_KEY,
          baseURL: env.OPENAI_BASE_URL,
          compatible:
            env.OPENAI_BASE_URL !== undefined &&
            new URL(env.OPENAI_BASE_URL).hostname !== 'api.openai.com',
        }
      : undefined,
    anthropic: env.ANTHROPIC_API_KEY
      ? { apiKey: env.ANTHROPIC_API_KEY, baseURL: env.ANTHROPIC_BASE_URL }
      : undefined,
  };
}
