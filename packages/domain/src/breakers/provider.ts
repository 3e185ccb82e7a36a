import { z } from 'zod';

/**
 * A model provider's circuit breaker, shared by every run (a provider that is
 * down hurts them all): closed → open after `failures` failed calls in a row
 * → half-open after `cooldownSeconds`, letting exactly one probe call through
 * → closed when the probe succeeds, open again when it fails. Pure: the
 * engine keeps the state in Redis and applies these transitions atomically.
 */

export const ProviderBreakerState = z.object({
  status: z.enum(['closed', 'open', 'half-open']),
  /** Failed calls in a row (while closed). */
  failures: z.number().int().nonnegative(),
  /** When it last opened, and until when it stays open (ms since the epoch). */
  openedAt: z.number().nullable(),
  retryAt: z.number().nullable(),
  /** Half-open: the one call allowed through, and until when it holds that right. */
  probe: z.object({ id: z.string(), until: z.number() }).nullable(),
  lastError: z.string().nullable(),
  trips: z.number().int().nonnegative(),
  changedAt: z.number(),
});
export type ProviderBreakerState = z.infer<typeof ProviderBreakerState>;

export interface ProviderBreakerSettings {
  failures: number;
  cooldownSeconds: number;
  /** A probe that has not answered within this is presumed lost; another caller may probe. */
  probeLeaseMs?: number;
}

export const DEFAULT_PROBE_LEASE_MS = 120_000;

export const closedProviderBreaker = (now = 0): ProviderBreakerState => ({
  status: 'closed',
  failures: 0,
  openedAt: null,
  retryAt: null,
  probe: null,
  lastError: null,
  trips: 0,
  changedAt: now,
});

export type ProviderTransition = 'opened' | 'half-opened' | 'closed' | null;

/** What a caller may do: call, call as the one probe, or wait until `retryAt`. */
export type ProviderAccess =
  | { kind: 'call' }
  | { kind: 'probe' }
  | { kind: 'wait'; retryAt: number; state: ProviderBreakerState };

export interface ProviderStep<T> {
  state: ProviderBreakerState;
  transition: ProviderTransition;
  result: T;
}

/** How long a caller refused while a probe is out waits before asking again. */
const PROBE_POLL_MS = 1_000;

/** Before a model call: may `callerId` call the provider now? */
export function acquireProvider(
  state: ProviderBreakerState,
  now: number,
  callerId: string,
  settings: ProviderBreakerSettings,
): ProviderStep<ProviderAccess> {
  const lease = settings.probeLeaseMs ?? DEFAULT_PROBE_LEASE_MS;
  if (state.status === 'closed') return { state, transition: null, result: { kind: 'call' } };
  if (state.status === 'open') {
    const retryAt = state.retryAt ?? now;
    if (now < retryAt) return { state, transition: null, result: { kind: 'wait', retryAt, state } };
    return {
      state: {
        ...state,
        status: 'half-open',
        probe: { id: callerId, until: now + lease },
        changedAt: now,
      },
      transition: 'half-opened',
      result: { kind: 'probe' },
    };
  }
  // Half-open: one probe at a time; a lost probe's right lapses.
  if (state.probe && state.probe.id === callerId)
    return { state, transition: null, result: { kind: 'probe' } };
  if (state.probe && state.probe.until > now) {
    const retryAt = Math.min(state.probe.until, now + PROBE_POLL_MS);
    return { state, transition: null, result: { kind: 'wait', retryAt, state } };
  }
  return {
    state: { ...state, probe: { id: callerId, until: now + lease }, changedAt: now },
    transition: null,
    result: { kind: 'probe' },
  };
}

/** A call answered: the provider works. */
export function providerSucceeded(state: ProviderBreakerState, now: number): ProviderStep<null> {
  if (state.status === 'closed' && state.failures === 0)
    return { state, transition: null, result: null };
  const closing = state.status !== 'closed';
  return {
    state: {
      ...state,
      status: 'closed',
      failures: 0,
      retryAt: null,
      probe: null,
      changedAt: closing ? now : state.changedAt,
    },
    transition: closing ? 'closed' : null,
    result: null,
  };
}

/** A call failed at the provider (rate limit, overload, 5xx, network). */
export function providerFailed(
  state: ProviderBreakerState,
  now: number,
  callerId: string,
  error: string,
  settings: ProviderBreakerSettings,
): ProviderStep<null> {
  const lastError = error.slice(0, 500);
  const open = (): ProviderStep<null> => ({
    state: {
      ...state,
      status: 'open',
      failures: state.failures + 1,
      openedAt: now,
      retryAt: now + settings.cooldownSeconds * 1000,
      probe: null,
      lastError,
      trips: state.trips + 1,
      changedAt: now,
    },
    transition: 'opened',
    result: null,
  });
  if (state.status === 'closed') {
    if (state.failures + 1 >= settings.failures) return open();
    return {
      state: { ...state, failures: state.failures + 1, lastError },
      transition: null,
      result: null,
    };
  }
  // The probe failed: open for another cool-down. Other late failures change nothing.
  if (state.status === 'half-open' && state.probe?.id === callerId) return open();
  return { state: { ...state, lastError }, transition: null, result: null };
}
