import { getTeamBreakerSettings } from '@flightdeck/engine';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const TeamBreakerDefaultsInput = z.object({ slug: TeamSlug }).strict();

/** A team's breaker defaults as set, the built-ins under them, and what its next runs get. */
export const teamDefaults = viewerProcedure
  .input(TeamBreakerDefaultsInput)
  .query(({ ctx, input }) => getTeamBreakerSettings(ctx.engine, input));
