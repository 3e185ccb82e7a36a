import { DomainError } from '@flightdeck/domain';

/** How many times a decision is made again because the log moved under it. */
const MAX_FENCE_RETRIES = 20;

/**
 * Run `decide` (read the state, decide, append fenced on what was read) until
 * its append goes in: STALE_STATE means the log moved since the read, so the
 * decision is made again on the new state. Other errors, and staleness past
 * the limit, are thrown.
 */
export async function untilFenceHolds<T>(decide: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await decide();
    } catch (error) {
      const stale = error instanceof DomainError && error.code === 'STALE_STATE';
      if (!stale || attempt >= MAX_FENCE_RETRIES) throw error;
    }
  }
}
