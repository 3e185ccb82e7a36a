import { checkReadiness } from '@flightdeck/engine';
import { publicProcedure } from '../trpc';

/** Is the control plane able to serve: database migrated and reachable, Redis reachable. */
export const health = publicProcedure.query(async ({ ctx }) => {
  const result = await checkReadiness(ctx.engine);
  return result.ok ? { ok: true as const } : { ok: false as const, reason: result.reason };
});
