import {
  acquireProvider,
  closedProviderBreaker,
  type ModelRef,
  type ProviderAccess,
  type ProviderBreakerSettings,
  ProviderBreakerState,
  type ProviderStep,
  providerFailed,
  providerSucceeded,
} from '@flightdeck/domain';
import type { Redis } from 'ioredis';

/**
 * Model providers' circuit breakers, shared by every run and every worker:
 * one Redis hash per provider holding the state (JSON) and a version. The
 * state machine is the domain's (breakers/provider.ts); every transition is
 * applied with one atomic compare-and-set script, so two workers that see a
 * provider fail at once cannot lose a count, and exactly one caller becomes
 * the half-open probe. A call that changes nothing writes nothing.
 */
const COMPARE_AND_SET = `
local current = redis.call('HMGET', KEYS[1], 'v', 's')
local version = current[1] or '0'
if version ~= ARGV[1] then return {0, version, current[2] or ''} end
local next = tostring(tonumber(version) + 1)
redis.call('HSET', KEYS[1], 'v', next, 's', ARGV[2])
return {1, next, ARGV[2]}
`;

export type ProviderId = ModelRef['provider'];
export const PROVIDER_IDS: readonly ProviderId[] = ['simulated', 'openai', 'anthropic'];

const breakerKey = (prefix: string, provider: string) => `${prefix}:provider-breaker:${provider}`;

/** Transitions tried before giving up under contention (each retry means another worker just wrote). */
const MAX_ATTEMPTS = 64;

function parseState(raw: string | null | undefined, now: number): ProviderBreakerState {
  if (!raw) return closedProviderBreaker(now);
  try {
    return ProviderBreakerState.parse(JSON.parse(raw));
  } catch {
    // A state we cannot read is reset to closed rather than wedging the provider shut.
    return closedProviderBreaker(now);
  }
}

async function transition<T>(
  redis: Redis,
  key: string,
  step: (state: ProviderBreakerState, now: number) => ProviderStep<T>,
): Promise<ProviderStep<T>> {
  let [version, raw] = await redis.hmget(key, 'v', 's');
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const now = Date.now();
    const state = parseState(raw, now);
    const out = step(state, now);
    if (out.state === state) return out;
    const [written, nextVersion, nextRaw] = (await redis.eval(
      COMPARE_AND_SET,
      1,
      key,
      version ?? '0',
      JSON.stringify(out.state),
    )) as [number, string, string];
    if (written === 1) return out;
    version = nextVersion;
    raw = nextRaw;
  }
  throw new Error(`provider breaker ${key}: could not apply a transition under contention`);
}

export interface ProviderBreakerContext {
  redis: Redis;
  prefix: string;
}

/** Before a model call: call, call as the one probe, or wait (the breaker is open). */
export function acquireProviderCall(
  ctx: ProviderBreakerContext,
  provider: string,
  callerId: string,
  settings: ProviderBreakerSettings,
): Promise<ProviderStep<ProviderAccess>> {
  return transition(ctx.redis, breakerKey(ctx.prefix, provider), (state, now) =>
    acquireProvider(state, now, callerId, settings),
  );
}

export function recordProviderSuccess(
  ctx: ProviderBreakerContext,
  provider: string,
): Promise<ProviderStep<null>> {
  return transition(ctx.redis, breakerKey(ctx.prefix, provider), (state, now) =>
    providerSucceeded(state, now),
  );
}

export function recordProviderFailure(
  ctx: ProviderBreakerContext,
  provider: string,
  callerId: string,
  error: string,
  settings: ProviderBreakerSettings,
): Promise<ProviderStep<null>> {
  return transition(ctx.redis, breakerKey(ctx.prefix, provider), (state, now) =>
    providerFailed(state, now, callerId, error, settings),
  );
}

/** A person closes a provider's breaker (it counts afresh). */
export function resetProviderBreaker(
  ctx: ProviderBreakerContext,
  provider: string,
): Promise<ProviderStep<null>> {
  return transition(ctx.redis, breakerKey(ctx.prefix, provider), (state, now) =>
    state.status === 'closed' && state.failures === 0
      ? { state, transition: null, result: null }
      : {
          state: { ...closedProviderBreaker(now), trips: state.trips },
          transition: state.status === 'closed' ? null : 'closed',
          result: null,
        },
  );
}

export async function getProviderBreaker(
  ctx: ProviderBreakerContext,
  provider: string,
): Promise<ProviderBreakerState> {
  const [, raw] = await ctx.redis.hmget(breakerKey(ctx.prefix, provider), 'v', 's');
  return parseState(raw, 0);
}

/** Every provider's breaker now. */
export async function listProviderBreakers(
  ctx: ProviderBreakerContext,
): Promise<Array<{ provider: ProviderId; state: ProviderBreakerState }>> {
  return Promise.all(
    PROVIDER_IDS.map(async (provider) => ({
      provider,
      state: await getProviderBreaker(ctx, provider),
    })),
  );
}
