import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** The worker's configuration: the only place it reads process.env. */
const Env = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a PostgreSQL URL such as postgresql://postgres@127.0.0.1:5432/flightdeck')
    .default('postgresql://postgres@127.0.0.1:5432/flightdeck'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'a Redis URL such as redis://127.0.0.1:6379')
    .default('redis://127.0.0.1:6379'),
  FLIGHTDECK_QUEUE_PREFIX: z.string().min(1).default('{fd}'),
  FLIGHTDECK_WORKSPACE_ROOT: z.string().min(1).default(path.join(repoRoot, '.flightdeck', 'workspaces')),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().min(1000).max(3_600_000).default(15_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type WorkerEnv = z.infer<typeof Env>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): WorkerEnv {
  const parsed = Env.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(source[String(i.path[0])])})`);
    throw new Error(`Invalid worker configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
