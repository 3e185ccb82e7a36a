import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireRunSlot, releaseRunSlot } from './run-slots';

const redis = new Redis(redisUrl());
const prefix = uniqueRedisPrefix('slots');
afterAll(() => redis.quit());

describe('run slots', () => {
  it('never grant more than the cap, even to many concurrent callers', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => acquireRunSlot(redis, prefix, 'run-a', `agent-${i}`, 4)),
    );
    expect(results.filter(Boolean)).toHaveLength(4);
  });

  it('re-grant a slot its holder already has, and free it on release', async () => {
    expect(await acquireRunSlot(redis, prefix, 'run-b', 'x', 1)).toBe(true);
    expect(await acquireRunSlot(redis, prefix, 'run-b', 'x', 1)).toBe(true);
    expect(await acquireRunSlot(redis, prefix, 'run-b', 'y', 1)).toBe(false);
    await releaseRunSlot(redis, prefix, 'run-b', 'x');
    expect(await acquireRunSlot(redis, prefix, 'run-b', 'y', 1)).toBe(true);
  });

  it('let a lease lapse when its holder dies', async () => {
    expect(await acquireRunSlot(redis, prefix, 'run-c', 'dead', 1, 50)).toBe(true);
    expect(await acquireRunSlot(redis, prefix, 'run-c', 'alive', 1)).toBe(false);
    await new Promise((r) => setTimeout(r, 80));
    expect(await acquireRunSlot(redis, prefix, 'run-c', 'alive', 1)).toBe(true);
  });
});
