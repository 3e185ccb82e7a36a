import { redisUrl, uniqueRedisPrefix } from '@flightdeck/testing';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import {
  acquireProviderCall,
  getProviderBreaker,
  listProviderBreakers,
  recordProviderFailure,
  recordProviderSuccess,
  resetProviderBreaker,
} from './provider-breakers';

const redis = new Redis(redisUrl());
afterAll(() => redis.quit());

const settings = { failures: 3, cooldownSeconds: 1, probeLeaseMs: 10_000 };
const ctx = () => ({ redis, prefix: uniqueRedisPrefix('provider-breakers') });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('provider breakers in Redis', () => {
  it('go closed → open → half-open (one probe among many callers) → closed', async () => {
    const c = ctx();
    expect((await acquireProviderCall(c, 'openai', 'a', settings)).result).toEqual({
      kind: 'call',
    });
    // Failures from many workers at once: none is lost, the breaker opens exactly once.
    const failures = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        recordProviderFailure(c, 'openai', `f${i}`, 'HTTP 503', settings),
      ),
    );
    expect(failures.filter((f) => f.transition === 'opened')).toHaveLength(1);
    expect(await getProviderBreaker(c, 'openai')).toMatchObject({ status: 'open', failures: 3 });
    // Other providers are not touched.
    expect((await getProviderBreaker(c, 'anthropic')).status).toBe('closed');

    const waiting = await acquireProviderCall(c, 'openai', 'w', settings);
    expect(waiting.result.kind).toBe('wait');

    await sleep(1_050);
    // Twenty callers race for the half-open probe: exactly one gets it.
    const race = await Promise.all(
      Array.from({ length: 20 }, (_, i) => acquireProviderCall(c, 'openai', `p${i}`, settings)),
    );
    const probes = race.filter((r) => r.result.kind === 'probe');
    expect(probes).toHaveLength(1);
    expect(race.filter((r) => r.transition === 'half-opened')).toHaveLength(1);
    expect(await getProviderBreaker(c, 'openai')).toMatchObject({ status: 'half-open' });

    const closed = await recordProviderSuccess(c, 'openai');
    expect(closed.transition).toBe('closed');
    expect(await getProviderBreaker(c, 'openai')).toMatchObject({ status: 'closed', failures: 0 });
    expect((await acquireProviderCall(c, 'openai', 'z', settings)).result).toEqual({
      kind: 'call',
    });
  });

  it('reopens when the probe fails, and a person can reset it', async () => {
    const c = ctx();
    for (let i = 0; i < 3; i++) await recordProviderFailure(c, 'anthropic', `f${i}`, 'x', settings);
    await sleep(1_050);
    const probe = await acquireProviderCall(c, 'anthropic', 'probe', settings);
    expect(probe.result.kind).toBe('probe');
    const failed = await recordProviderFailure(c, 'anthropic', 'probe', 'HTTP 502', settings);
    expect(failed.transition).toBe('opened');
    expect(await getProviderBreaker(c, 'anthropic')).toMatchObject({ status: 'open', trips: 2 });

    expect((await resetProviderBreaker(c, 'anthropic')).transition).toBe('closed');
    const states = await listProviderBreakers(c);
    expect(states.find((s) => s.provider === 'anthropic')?.state).toMatchObject({
      status: 'closed',
      trips: 2,
    });
    // Resetting a closed breaker writes nothing.
    expect((await resetProviderBreaker(c, 'anthropic')).transition).toBeNull();
  });
});
