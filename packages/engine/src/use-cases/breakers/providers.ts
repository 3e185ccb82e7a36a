import type { Engine } from '../../engine';
import { listProviderBreakers } from '../../coordination/provider-breakers';

/** Every model provider's breaker (shared by all runs), as it stands now. */
export async function providerBreakers(engine: Engine) {
  const states = await listProviderBreakers({
    redis: engine.redis,
    prefix: engine.config.queuePrefix,
  });
  return states.map(({ provider, state }) => ({
    provider,
    status: state.status,
    failures: state.failures,
    trips: state.trips,
    lastError: state.lastError,
    openedAt: state.openedAt === null ? null : new Date(state.openedAt).toISOString(),
    retryAt: state.retryAt === null ? null : new Date(state.retryAt).toISOString(),
  }));
}
