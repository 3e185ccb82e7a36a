import { BreakerOverrides } from '@flightdeck/domain';
import { saveTeamBreakerSettings } from '@flightdeck/engine';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { governanceProcedure } from '../../trpc';

export const SaveTeamBreakerDefaultsInput = z
  .object({
    slug: TeamSlug,
    /** The team's defaults (all of them: what is left out falls back to the built-ins). */
    thresholds: BreakerOverrides,
  })
  .strict();

/** Save a new version of a team's breaker defaults; runs spawned from now on get them. */
export const saveTeamDefaults = governanceProcedure
  .input(SaveTeamBreakerDefaultsInput)
  .mutation(({ ctx, input }) =>
    saveTeamBreakerSettings(ctx.engine, { ...input, by: ctx.viewer.actor }),
  );
