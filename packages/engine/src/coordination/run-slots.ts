import type { Redis } from 'ioredis';

/**
 * Caps how many agents of one run execute a turn at once (the manifest's
 * `maxConcurrentAgents`), across every worker process. A slot is a lease in a
 * Redis sorted set (member: agent id, score: lease expiry), taken and checked
 * in one Lua script so two workers cannot both take the last slot; a worker
 * that dies loses its lease when it expires.
 */
const ACQUIRE = `
local key, member = KEYS[1], ARGV[1]
local now, lease, cap = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
if redis.call('ZSCORE', key, member) or redis.call('ZCARD', key) < cap then
  redis.call('ZADD', key, now + lease, member)
  redis.call('PEXPIRE', key, lease)
  return 1
end
return 0
`;

export const SLOT_LEASE_MS = 10 * 60 * 1000;

const slotsKey = (prefix: string, runId: string) => `${prefix}:run-slots:${runId}`;

export async function acquireRunSlot(
  redis: Redis,
  prefix: string,
  runId: string,
  agentId: string,
  cap: number,
  leaseMs = SLOT_LEASE_MS,
): Promise<boolean> {
  const result = await redis.eval(
    ACQUIRE,
    1,
    slotsKey(prefix, runId),
    agentId,
    Date.now(),
    leaseMs,
    cap,
  );
  return result === 1;
}

export async function releaseRunSlot(
  redis: Redis,
  prefix: string,
  runId: string,
  agentId: string,
): Promise<void> {
  await redis.zrem(slotsKey(prefix, runId), agentId);
}

/** How many agents of the run hold a live slot now: turns being executed on some worker. */
export async function activeRunSlots(redis: Redis, prefix: string, runId: string): Promise<number> {
  return redis.zcount(slotsKey(prefix, runId), `(${Date.now()}`, '+inf');
}
