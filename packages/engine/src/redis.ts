import { createLogger } from '@flightdeck/telemetry';
import { Redis, type RedisOptions } from 'ioredis';

export const HOW_TO_START_REDIS =
  'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log';

/**
 * A Redis connection for commands or pub/sub. BullMQ needs
 * `maxRetriesPerRequest: null` on its connections; commands elsewhere fail fast.
 */
export function createRedis(url: string, name: string, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: `flightdeck:${name}`,
    lazyConnect: false,
    ...options,
  });
  // It reconnects by itself; unheard, each failed attempt would be printed as an "unhandled error event".
  redis.on('error', connectionErrorLogger(`redis ${name}`));
  return redis;
}

const log = createLogger('engine.redis');

/**
 * A listener for the 'error' events of a connection that reconnects by itself
 * (ioredis, a BullMQ queue): a warning at most every 10 s per connection while
 * the server is away, not one per retry.
 */
export function connectionErrorLogger(connection: string, everyMs = 10_000) {
  let last = 0;
  return (error: unknown): void => {
    const now = Date.now();
    if (now - last < everyMs) return;
    last = now;
    log.warn('connection error; reconnecting', { connection, error });
  };
}

/** Resolves when Redis answers PING, or rejects with a message that says how to fix it. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Redis is unreachable at ${redactUrl(url)} (${reason}). Start it with:\n  ${HOW_TO_START_REDIS}\nor set REDIS_URL to a reachable server.`,
      { cause: error },
    );
  } finally {
    probe.disconnect();
  }
}

/** A URL safe to print: the password is replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
