import { getTeam, saveTeamDefaultPolicy } from '@flightdeck/engine';
import { DomainError } from '@flightdeck/domain';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { governanceProcedure } from '../../trpc';

export const SaveTeamDefaultsInput = z
  .object({
    slug: TeamSlug,
    /** The rules as YAML or JSON; validated by the domain's schema, with a path for each issue. */
    source: z.string().max(256 * 1024),
  })
  .strict();

/** Save a new version of a team's default rules; its runs' next decisions use them. */
export const saveTeamDefaults = governanceProcedure
  .input(SaveTeamDefaultsInput)
  .mutation(async ({ ctx, input }) => {
    const team = await getTeam(ctx.engine, { slug: input.slug });
    if (!team) throw new DomainError('NOT_FOUND', `No team ${input.slug}`);
    return saveTeamDefaultPolicy(ctx.engine, {
      teamId: team.id,
      source: input.source,
      by: ctx.viewer.actor,
    });
  });
