import { describe, expect, it } from 'vitest';
import {
  acquireProvider,
  closedProviderBreaker,
  type ProviderBreakerState,
  providerFailed,
  providerSucceeded,
} from './provider';

const settings = { failures: 3, cooldownSeconds: 10, probeLeaseMs: 5_000 };

function failTimes(state: ProviderBreakerState, times: number, at: number) {
  let s = state;
  const transitions = [];
  for (let i = 0; i < times; i++) {
    const step = providerFailed(s, at + i, `c${i}`, `HTTP 503 #${i}`, settings);
    s = step.state;
    transitions.push(step.transition);
  }
  return { state: s, transitions };
}

describe('provider breaker', () => {
  it('goes closed → open → half-open → closed', () => {
    let state = closedProviderBreaker(0);
    expect(acquireProvider(state, 0, 'a', settings).result).toEqual({ kind: 'call' });

    const failed = failTimes(state, 3, 1000);
    expect(failed.transitions).toEqual([null, null, 'opened']);
    state = failed.state;
    expect(state).toMatchObject({
      status: 'open',
      failures: 3,
      openedAt: 1002,
      retryAt: 11_002,
      trips: 1,
      lastError: 'HTTP 503 #2',
    });

    // Open: nobody calls until the cool-down ends.
    const waiting = acquireProvider(state, 5000, 'b', settings);
    expect(waiting.result).toMatchObject({ kind: 'wait', retryAt: 11_002 });
    expect(waiting.state).toBe(state);

    // After it: exactly one probe goes.
    const probe = acquireProvider(state, 11_002, 'probe-1', settings);
    expect(probe.transition).toBe('half-opened');
    expect(probe.result).toEqual({ kind: 'probe' });
    state = probe.state;
    expect(state).toMatchObject({ status: 'half-open', probe: { id: 'probe-1', until: 16_002 } });
    const other = acquireProvider(state, 11_100, 'c', settings);
    expect(other.result).toMatchObject({ kind: 'wait', retryAt: 12_100 });
    // The probe asking again keeps its right.
    expect(acquireProvider(state, 11_200, 'probe-1', settings).result).toEqual({ kind: 'probe' });

    const closed = providerSucceeded(state, 11_500);
    expect(closed.transition).toBe('closed');
    expect(closed.state).toMatchObject({
      status: 'closed',
      failures: 0,
      probe: null,
      retryAt: null,
      trips: 1,
    });
    expect(acquireProvider(closed.state, 11_600, 'd', settings).result).toEqual({ kind: 'call' });
  });

  it('opens again when the probe fails, for another cool-down', () => {
    const open = failTimes(closedProviderBreaker(0), 3, 0).state;
    const probing = acquireProvider(open, 20_000, 'p', settings).state;
    // A late failure of a call that started before it opened changes nothing.
    expect(providerFailed(probing, 20_001, 'late', 'timeout', settings).transition).toBeNull();
    const reopened = providerFailed(probing, 20_100, 'p', 'HTTP 502', settings);
    expect(reopened.transition).toBe('opened');
    expect(reopened.state).toMatchObject({
      status: 'open',
      retryAt: 30_100,
      trips: 2,
      probe: null,
    });
  });

  it('lets another caller probe when the probe was lost', () => {
    const open = failTimes(closedProviderBreaker(0), 3, 0).state;
    const probing = acquireProvider(open, 20_000, 'lost', settings).state;
    expect(acquireProvider(probing, 24_999, 'x', settings).result.kind).toBe('wait');
    const taken = acquireProvider(probing, 25_000, 'x', settings);
    expect(taken.result).toEqual({ kind: 'probe' });
    expect(taken.state.probe).toEqual({ id: 'x', until: 30_000 });
  });

  it('counts failures in a row only: a success in between starts again', () => {
    let state = failTimes(closedProviderBreaker(0), 2, 0).state;
    expect(state).toMatchObject({ status: 'closed', failures: 2 });
    const ok = providerSucceeded(state, 10);
    expect(ok.transition).toBeNull();
    state = ok.state;
    expect(state.failures).toBe(0);
    expect(failTimes(state, 2, 20).state.status).toBe('closed');
    // A success on a healthy breaker changes nothing (no write needed).
    expect(providerSucceeded(closedProviderBreaker(5), 10).state).toEqual(closedProviderBreaker(5));
  });
});
