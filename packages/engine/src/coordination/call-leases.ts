import { randomUUID } from 'node:crypto';
import type { Engine } from '../engine';

/**
 * A non-idempotent tool call in flight is leased by the execution running it:
 * a Redis key, refreshed while the tool runs and re-asserted if Redis lost it
 * (a restart, a flush). Another execution of the same turn (its job lost with
 * Redis and queued again by the reconciler while the first still ran) finds
 * the call dispatched and unfinished: while the lease is held it waits for the
 * result instead of declaring the call interrupted, which would stop the run
 * on a human decision about a call that is about to finish. A holder that
 * died stops refreshing, and its lease expires.
 */
export const CALL_LEASE_MS = 5_000;
const REFRESH_MS = 1_000;
/** How long a missing lease is looked for again: its holder re-asserts it within one refresh. */
export const CALL_LEASE_GRACE_MS = 2 * REFRESH_MS + 500;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export const callLeaseKey = (engine: Engine, callId: string) =>
  `${engine.config.queuePrefix}:call-lease:${callId}`;

export interface CallLease {
  release(): Promise<void>;
}

/** Take (or take over) the lease of a call this execution is about to run; release it once its result is recorded. */
export async function holdCallLease(
  engine: Engine,
  callId: string,
  options: { leaseMs?: number; refreshMs?: number } = {},
): Promise<CallLease> {
  const { leaseMs = CALL_LEASE_MS, refreshMs = REFRESH_MS } = options;
  const key = callLeaseKey(engine, callId);
  const token = randomUUID();
  const assert = () => engine.redis.set(key, token, 'PX', leaseMs);
  await assert();
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    // Redis may be down or have restarted empty: the next refresh that lands re-asserts the lease.
    assert()
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
      });
  }, refreshMs);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await engine.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    },
  };
}

/**
 * Whether another execution holds the call's lease: present now, or
 * re-asserted within the grace period (a holder whose lease Redis lost).
 */
export async function callLeaseHeld(
  engine: Engine,
  callId: string,
  options: { graceMs?: number; pollMs?: number } = {},
): Promise<boolean> {
  const { graceMs = CALL_LEASE_GRACE_MS, pollMs = 250 } = options;
  const key = callLeaseKey(engine, callId);
  const deadline = Date.now() + graceMs;
  for (;;) {
    if ((await engine.redis.exists(key)) === 1) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
