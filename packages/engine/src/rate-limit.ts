import type { Engine } from './engine';

export interface RateLimit {
  /** Name of what is limited, part of the Redis key (e.g. `sign-in:ip`). */
  name: string;
  limit: number;
  windowMs: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Milliseconds until the window resets (for Retry-After). */
  retryAfterMs: number;
}

// INCR, and start the window's clock on the first hit: one round trip, atomic.
const SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {n, ttl}`;

/**
 * A fixed-window counter in Redis, shared by every web process: at most
 * `limit` hits per `windowMs` for one subject (an address, an email, a user).
 */
export async function hitRateLimit(
  engine: Engine,
  rule: RateLimit,
  subject: string,
): Promise<RateLimitResult> {
  const key = `${engine.config.queuePrefix}:ratelimit:${rule.name}:${subject}`;
  const [count, ttl] = (await engine.redis.eval(SCRIPT, 1, key, String(rule.windowMs))) as [
    number,
    number,
  ];
  return { allowed: count <= rule.limit, retryAfterMs: Math.max(0, ttl) };
}
