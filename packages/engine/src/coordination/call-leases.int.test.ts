import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Engine } from '../engine';
import { callLeaseHeld, callLeaseKey, holdCallLease } from './call-leases';

const redis = new Redis(redisUrl());
const engine = { redis, config: { queuePrefix: uniqueRedisPrefix('call-leases') } } as Engine;
afterAll(() => redis.quit());

describe('call leases', () => {
  it('are held while the call runs and gone once released', async () => {
    const lease = await holdCallLease(engine, 'call-a');
    expect(await callLeaseHeld(engine, 'call-a', { graceMs: 0 })).toBe(true);
    await lease.release();
    expect(await callLeaseHeld(engine, 'call-a', { graceMs: 0 })).toBe(false);
  });

  it('are re-asserted by their holder after Redis lost them (a restart, a flush)', async () => {
    const lease = await holdCallLease(engine, 'call-b', { refreshMs: 50 });
    await redis.del(callLeaseKey(engine, 'call-b'));
    // Missing now, but its holder puts it back within the grace period.
    expect(await callLeaseHeld(engine, 'call-b', { graceMs: 500, pollMs: 20 })).toBe(true);
    await lease.release();
  });

  it('lapse when their holder dies (stops refreshing)', async () => {
    await redis.set(callLeaseKey(engine, 'call-c'), 'dead-holder', 'PX', 60);
    expect(await callLeaseHeld(engine, 'call-c', { graceMs: 0 })).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(await callLeaseHeld(engine, 'call-c', { graceMs: 100, pollMs: 20 })).toBe(false);
  });

  it('release only their own holder’s lease', async () => {
    const first = await holdCallLease(engine, 'call-d');
    const second = await holdCallLease(engine, 'call-d'); // took it over
    await first.release();
    expect(await callLeaseHeld(engine, 'call-d', { graceMs: 0 })).toBe(true);
    await second.release();
    expect(await callLeaseHeld(engine, 'call-d', { graceMs: 0 })).toBe(false);
  });
});
