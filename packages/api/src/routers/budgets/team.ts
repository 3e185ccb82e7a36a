import { getTeam, teamBudgetStatus } from '@flightdeck/engine';
import { DomainError } from '@flightdeck/domain';
import { z } from 'zod';
import { TeamSlug } from '../../schemas';
import { viewerProcedure } from '../../trpc';

export const TeamBudgetInput = z.object({ slug: TeamSlug }).strict();

/** A team's budgets per day and month, what today and this month used, and the global budget. */
export const team = viewerProcedure.input(TeamBudgetInput).query(async ({ ctx, input }) => {
  const found = await getTeam(ctx.engine, { slug: input.slug });
  if (!found) throw new DomainError('NOT_FOUND', `No team ${input.slug}`);
  return teamBudgetStatus(ctx.engine, found.id);
});
