import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEnv } from './env';

/** The Redis tests use (REDIS_URL, default redis://127.0.0.1:6379). */
export function redisUrl(): string {
  return testEnv().redisUrl;
}

/**
 * A key prefix no other test uses, e.g. `fdtest:turns:1a2b3c4d5e`. Give it to
 * BullMQ as `prefix` (its keys become `<prefix>:<queue>:…`) or build keys as
 * `<prefix>:<key>`; delete them afterwards with `deleteRedisKeys(prefix)`.
 */
export function uniqueRedisPrefix(label: string): string {
  const slug = label
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `fdtest:${slug || 'test'}:${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under `prefix` (`<prefix>:*`); returns how many were deleted. */
export async function deleteRedisKeys(prefix: string): Promise<number> {
  if (!prefix.startsWith('fdtest:')) {
    throw new Error(`deleteRedisKeys only deletes test keys (prefix "fdtest:"), got "${prefix}"`);
  }
  const redis = new Redis(redisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let deleted = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${escapeGlob(prefix)}:*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (keys.length > 0) deleted += await redis.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.disconnect();
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
