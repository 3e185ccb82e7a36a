import { getTeam, getTeamDefaultPolicy } from '@flightdeck/engine';
import { DomainError } from '@flightdeck/domain';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const TeamDefaultsInput = z.object({ slug: TeamSlug }).strict();

/** A team's default rules (checked after each manifest's own), with their version. */
export const teamDefaults = viewerProcedure
  .input(TeamDefaultsInput)
  .query(async ({ ctx, input }) => {
    const team = await getTeam(ctx.engine, { slug: input.slug });
    if (!team) throw new DomainError('NOT_FOUND', `No team ${input.slug}`);
    return getTeamDefaultPolicy(ctx.engine, team.id);
  });
